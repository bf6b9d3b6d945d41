using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Llm.Stack.VectorIndex;

namespace Llm.Stack.Local;

// The commit: a new generation written beside the committed one, flushed to disk, then named by <c>index.json</c>.
public sealed partial class LocalIndex
{
    private string GenerationPath(long generation, string extension) =>
        Path.Combine(DataDirectory, string.Create(CultureInfo.InvariantCulture, $"{CollectionName}.{generation:D8}{extension}"));

    private long CommittedGeneration()
    {
        try
        {
            return ReadMetadata()?.Generation ?? 0;
        }
        catch (InvalidDataException)
        {
            return -1;
        }
    }

    /// <summary>The generations with a snapshot (or, when the store keeps the chunks, a state file) on disk, newest first.</summary>
    private List<long> GenerationsOnDisk()
    {
        string extension = SavesSnapshots ? ".lsvi" : ".state.json";
        var generations = new List<long>();
        if (!Directory.Exists(DataDirectory))
        {
            return generations;
        }

        string prefix = CollectionName + ".";
        foreach (string file in Directory.EnumerateFiles(DataDirectory, CollectionName + ".*" + extension))
        {
            string name = Path.GetFileName(file);
            if (long.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long generation))
            {
                generations.Add(generation);
            }
        }

        generations.Sort((a, b) => b.CompareTo(a));
        return generations;
    }

    /// <summary>Commits the index: a new generation of snapshot and state, flushed to disk, then <c>index.json</c> pointing to it.</summary>
    private async Task CommitAsync(WriterLock writer, CancellationToken cancellationToken)
    {
        long changes = _state.Changes;
        if (changes == _committedChanges && !_rewriteMetadata)
        {
            return;
        }

        writer.ThrowIfReadOnly(DataDirectory);
        long started = Stopwatch.GetTimestamp();
        long generation = Math.Max(_generation, GenerationsOnDisk().FirstOrDefault()) + 1;
        string snapshot = GenerationPath(generation, ".lsvi");
        string statePath = GenerationPath(generation, ".state.json");
        (string modelId, int dimensions) = Embedder;
        try
        {
            Directory.CreateDirectory(DataDirectory);
            if (_snapshotStore is InMemoryVectorStore store)
            {
                await DurableFile.WriteAsync(snapshot, (s, ct) => store.SaveCollectionAsync(CollectionName, Decorate(s), ct), DurabilityObserver, cancellationToken).ConfigureAwait(false);
            }

            // Without snapshots, the store has acknowledged every write the state records: the state follows the chunks.
            if (_stateStore is not null)
            {
                await _stateStore.SaveAsync(_state, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await DurableFile.WriteAsync(statePath, (s, ct) => _state.SaveAsync(Decorate(s), ct), DurabilityObserver, cancellationToken).ConfigureAwait(false);
            }

            DurableFile.FlushDirectory(DataDirectory, DurabilityObserver);
            var metadata = new LocalIndexMetadata(modelId, dimensions, Count, DateTimeOffset.UtcNow) { Generation = generation, Documents = _state.Count };
            await DurableFile.WriteAsync(MetadataPath, (s, ct) => JsonSerializer.SerializeAsync(Decorate(s), metadata, Indented, ct), DurabilityObserver, cancellationToken).ConfigureAwait(false);
            DurableFile.FlushDirectory(DataDirectory, DurabilityObserver);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DurableFile.TryDelete(snapshot, DurabilityObserver);
            DurableFile.TryDelete(statePath, DurabilityObserver);
            LocalIndexLog.CommitFailed(_logger, DataDirectory, generation, e);
            throw new IOException($"The index in '{DataDirectory}' could not be saved: {e.Message} The last committed state is kept; run the ingestion again when this is fixed.", e);
        }

        long previous = _generation;
        _generation = generation;
        _committedChanges = changes;
        _rewriteMetadata = false;
        LocalIndexLog.Committed(_logger, DataDirectory, generation, _state.Count, Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        RemoveOldFiles(generation, previous);
    }

    private Stream Decorate(Stream stream) => CommitStreamDecorator?.Invoke(stream) ?? stream;

    /// <summary>Deletes every generation but the committed and the previous one (which a reader may still be loading), and files of the first format.</summary>
    private void RemoveOldFiles(long committed, long previous)
    {
        foreach (long generation in GenerationsOnDisk().Where(g => g != committed && g != previous))
        {
            DurableFile.TryDelete(GenerationPath(generation, ".lsvi"), DurabilityObserver);
            DurableFile.TryDelete(GenerationPath(generation, ".state.json"), DurabilityObserver);
        }

        if (_snapshotStore is null)
        {
            // A store that persists itself may keep its own files here (the in-memory store's {collection}.lsvi).
            return;
        }

        foreach (string legacy in new[] { LegacySnapshotPath, Path.Combine(DataDirectory, "manifest.json"), Path.Combine(DataDirectory, "manifest.json.journal") })
        {
            DurableFile.TryDelete(legacy, DurabilityObserver);
        }
    }
}
