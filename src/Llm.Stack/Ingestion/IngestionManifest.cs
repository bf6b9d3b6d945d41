using System.Text.Json;
using System.Text.Json.Serialization;

namespace Llm.Stack;

/// <summary>What the store holds for one document.</summary>
internal sealed class ManifestEntry
{
    public string SourceId { get; set; } = string.Empty;

    /// <summary>The content hash of the source item the document was read from, when the source gives one.</summary>
    public string? SourceHash { get; set; }

    public string Hash { get; set; } = string.Empty;

    public long Version { get; set; }

    public List<string> Keys { get; set; } = [];

    public List<string> ChunkHashes { get; set; } = [];

    /// <summary>The hash of a version being written and not yet committed (a crash leaves it here).</summary>
    public string? PendingHash { get; set; }

    public List<string>? PendingKeys { get; set; }

    public ManifestEntry Clone() => new()
    {
        SourceId = SourceId,
        SourceHash = SourceHash,
        Hash = Hash,
        Version = Version,
        Keys = [.. Keys],
        ChunkHashes = [.. ChunkHashes],
        PendingHash = PendingHash,
        PendingKeys = PendingKeys is null ? null : [.. PendingKeys],
    };
}

/// <summary>One line of the manifest journal: the new entry of a document, or its removal.</summary>
internal sealed class ManifestJournalLine
{
    public string Id { get; set; } = string.Empty;

    public ManifestEntry? Entry { get; set; }
}

[JsonSerializable(typeof(Dictionary<string, ManifestEntry>))]
[JsonSerializable(typeof(ManifestJournalLine))]
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

/// <summary>
/// The document → hash, version and chunk keys map that makes ingestion incremental. Persisted as a JSON snapshot
/// plus an append-only journal of changes (one line per document change, flushed before the store is written), so
/// that a crashed run resumes from where it stopped; the journal is folded into the snapshot at the end of a run.
/// </summary>
/// <remarks>Thread-safe: every member takes the instance's lock.</remarks>
internal sealed class IngestionManifest : IDisposable
{
    private readonly Dictionary<string, ManifestEntry> _entries;
    private readonly string? _path;
    private readonly SemaphoreSlim _journalLock = new(1, 1);
    private readonly Lock _lock = new();
    private StreamWriter? _journal;

    private IngestionManifest(Dictionary<string, ManifestEntry> entries, string? path)
    {
        _entries = entries;
        _path = path;
    }

    public static IngestionManifest InMemory(Dictionary<string, ManifestEntry> entries) => new(entries, null);

    public static async Task<IngestionManifest> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            await using FileStream snapshot = File.OpenRead(path);
            entries = await JsonSerializer.DeserializeAsync(snapshot, ManifestJsonContext.Default.DictionaryStringManifestEntry, cancellationToken).ConfigureAwait(false)
                ?? entries;
        }

        string journal = path + ".journal";
        if (File.Exists(journal))
        {
            foreach (string line in await File.ReadAllLinesAsync(journal, cancellationToken).ConfigureAwait(false))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                ManifestJournalLine? change;
                try
                {
                    change = JsonSerializer.Deserialize(line, ManifestJsonContext.Default.ManifestJournalLine);
                }
                catch (JsonException)
                {
                    break; // A line torn by a crash: everything after it was never acknowledged.
                }

                if (change is null)
                {
                    continue;
                }

                if (change.Entry is null)
                {
                    entries.Remove(change.Id);
                }
                else
                {
                    entries[change.Id] = change.Entry;
                }
            }
        }

        return new IngestionManifest(entries, path);
    }

    public ManifestEntry? Get(string documentId)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(documentId, out ManifestEntry? entry) ? entry.Clone() : null;
        }
    }

    public List<KeyValuePair<string, ManifestEntry>> Snapshot()
    {
        lock (_lock)
        {
            return [.. _entries.Select(e => new KeyValuePair<string, ManifestEntry>(e.Key, e.Value.Clone()))];
        }
    }

    /// <summary>Records the change in memory and, for a file manifest, in the journal before returning.</summary>
    public async Task SetAsync(string documentId, ManifestEntry? entry, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (entry is null)
            {
                _entries.Remove(documentId);
            }
            else
            {
                _entries[documentId] = entry.Clone();
            }
        }

        if (_path is null)
        {
            return;
        }

        string line = JsonSerializer.Serialize(new ManifestJournalLine { Id = documentId, Entry = entry }, ManifestJsonContext.Default.ManifestJournalLine);
        await _journalLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_journal is null)
            {
                string? directory = Path.GetDirectoryName(Path.GetFullPath(_path));
                if (directory is not null)
                {
                    Directory.CreateDirectory(directory);
                }

                _journal = new StreamWriter(new FileStream(_path + ".journal", FileMode.Append, FileAccess.Write, FileShare.Read));
            }

            await _journal.WriteLineAsync(line.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            await _journal.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _journalLock.Release();
        }
    }

    /// <summary>Writes the snapshot (atomically, through a temporary file) and deletes the journal.</summary>
    public async Task CompactAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return;
        }

        await _journalLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Dictionary<string, ManifestEntry> copy;
            lock (_lock)
            {
                copy = new Dictionary<string, ManifestEntry>(_entries, StringComparer.Ordinal);
            }

            string temporary = _path + ".tmp";
            await using (FileStream stream = File.Create(temporary))
            {
                await JsonSerializer.SerializeAsync(stream, copy, ManifestJsonContext.Default.DictionaryStringManifestEntry, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, _path, overwrite: true);
            if (_journal is not null)
            {
                await _journal.DisposeAsync().ConfigureAwait(false);
                _journal = null;
            }

            File.Delete(_path + ".journal");
        }
        finally
        {
            _journalLock.Release();
        }
    }

    public void Dispose()
    {
        _journal?.Dispose();
        _journalLock.Dispose();
    }
}
