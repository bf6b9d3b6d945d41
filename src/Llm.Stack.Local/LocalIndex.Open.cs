using System.Diagnostics;
using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Local;

// Opening and the self-check: the committed generation is read, and the state is checked against the chunks and repaired in memory.
public sealed partial class LocalIndex
{
    /// <summary>Reads <c>index.json</c> without loading the index.</summary>
    /// <returns>The metadata, or <see langword="null"/> when the index was never committed.</returns>
    /// <exception cref="InvalidDataException"><c>index.json</c> is damaged.</exception>
    public LocalIndexMetadata? ReadMetadata()
    {
        string text;
        try
        {
            text = File.ReadAllText(MetadataPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<LocalIndexMetadata>(text) is { EmbeddingModel: not null } metadata
                ? metadata
                : throw new InvalidDataException($"'{MetadataPath}' is damaged: it does not describe an index.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{MetadataPath}' is damaged: {e.Message}", e);
        }
    }

    /// <summary>Loads the last committed state of the index and checks it (see <see cref="LastCheck"/>), or starts an empty one.</summary>
    /// <param name="rebuild">
    /// <see langword="true"/> to start empty (after changing the embedder); the files on disk are replaced only when
    /// the next ingestion commits, so a rebuild that fails or is interrupted keeps the previous index.
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the index is open.</returns>
    /// <exception cref="EmbedderMismatchException">
    /// The index was built with another embedder; with the ingestion state in the store, also when the store records
    /// another embedder for the collection (written by a process configured differently, on any machine).
    /// </exception>
    /// <remarks>
    /// Nothing is written: a damaged file is reported in <see cref="LastCheck"/> and repaired in memory. An embedder that
    /// does not report its dimensions (<see cref="EmbeddingGeneratorMetadata.DefaultModelDimensions"/>, such as an
    /// OpenAI-compatible endpoint) is asked once, on the first open, for one short embedding, whose length is then the
    /// index's dimensions.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The embedder reports no dimensions and answered the probe with no usable embedding.</exception>
    public async Task OpenAsync(bool rebuild = false, CancellationToken cancellationToken = default)
    {
        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_collection is not null && !rebuild)
            {
                return;
            }

            await LoadAsync(rebuild, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _openLock.Release();
        }
    }

    /// <summary>Learns the dimensions of an embedder that does not report them, by embedding one short text, once.</summary>
    private async Task ProbeDimensionsAsync(CancellationToken cancellationToken)
    {
        if (_embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions is > 0 || Volatile.Read(ref _probedDimensions) > 0)
        {
            return;
        }

        GeneratedEmbeddings<Embedding<float>> probe = await _embedder.GenerateAsync(["dimensions"], cancellationToken: cancellationToken).ConfigureAwait(false);
        int dimensions = probe.Count == 1 ? probe[0].Vector.Length : 0;
        if (dimensions <= 0)
        {
            throw new InvalidOperationException(
                $"The embedder '{Embedder.ModelId}' reports no dimensions, and answered a probe text with {probe.Count} embedding(s) of {dimensions} dimensions: the index cannot learn its dimensions.");
        }

        Volatile.Write(ref _probedDimensions, dimensions);
    }

    private async Task LoadAsync(bool rebuild, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        await ProbeDimensionsAsync(cancellationToken).ConfigureAwait(false);
        (string modelId, int dimensions) = Embedder;
        var problems = new List<string>();
        if (_snapshotStore is not null || rebuild)
        {
            // The index owns the collection of its in-memory store: it is loaded from the committed snapshot. A rebuild
            // of a store that keeps the chunks itself starts by emptying its collection.
            await _store.EnsureCollectionDeletedAsync(CollectionName, cancellationToken).ConfigureAwait(false);
        }

        _collection = null;
        var state = new IngestionState();
        long generation = 0;
        // index.json is rewritten by the next commit, even one with nothing else to change, when it is damaged or names a
        // generation that could not be read.
        bool rewriteMetadata = false;
        // With the state in the store: whether the store records this embedder already (a rebuild records it anew).
        bool embedderRecorded = false;
        if (!rebuild)
        {
            LocalIndexMetadata? metadata = null;
            try
            {
                metadata = ReadMetadata();
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add((e is InvalidDataException ? e.Message : $"'{MetadataPath}' cannot be read: {e.Message}") + " The newest readable generation is used.");
                rewriteMetadata = true;
            }

            if (metadata is not null && (metadata.EmbeddingModel != modelId || metadata.Dimensions != dimensions))
            {
                throw new EmbedderMismatchException(metadata.EmbeddingModel, metadata.Dimensions, modelId, dimensions);
            }

            // The committed generation first; without a readable index.json, the newest on disk; then older ones.
            List<long> candidates = GenerationsOnDisk();
            if (metadata is not null)
            {
                candidates = [.. candidates.Where(g => g <= metadata.Generation)];
            }
            else if (_snapshotStore is not null)
            {
                // No index.json: a snapshot whose state file is missing was never committed (a run killed between the
                // two renames of its first commit). The state is written second, so a generation with both is whole.
                candidates = [.. candidates.Where(g => File.Exists(GenerationPath(g, ".state.json")))];
            }

            int problemsBefore = problems.Count;
            if (_stateStore is not null)
            {
                // The chunks on the server may have been written by a process of another machine: the embedder recorded
                // beside them must be this one, else their vectors and ours cannot be compared.
                EmbeddingGeneratorMetadata? recorded = await _stateStore.LoadEmbedderAsync(cancellationToken).ConfigureAwait(false);
                if (recorded is not null && (recorded.DefaultModelId != modelId || recorded.DefaultModelDimensions != dimensions))
                {
                    throw new EmbedderMismatchException(recorded.DefaultModelId ?? string.Empty, recorded.DefaultModelDimensions ?? 0, modelId, dimensions);
                }

                embedderRecorded = recorded is not null;

                // The state lives beside the chunks in the store: the check below compares the two.
                state = await _stateStore.LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (_snapshotStore is null)
            {
                // The store holds the chunks: the newest committed state is read, and the check below compares it with them.
                if (candidates.Count > 0)
                {
                    generation = candidates[0];
                    state = await LoadStateAsync(generation, problems, cancellationToken).ConfigureAwait(false);
                }
                else if (metadata is not null)
                {
                    problems.Add($"The ingestion state of the committed generation {metadata.Generation} is missing; it is rebuilt from the chunks.");
                }
            }
            else
            {
                generation = await LoadSnapshotAsync(_snapshotStore, candidates, problems, cancellationToken).ConfigureAwait(false);
                if (metadata is not null && generation != metadata.Generation && candidates.Count == 0)
                {
                    problems.Add($"The snapshot of the committed generation {metadata.Generation} is missing; the index starts empty.");
                }

                if (generation > 0 || candidates.Contains(0))
                {
                    state = await LoadStateAsync(generation, problems, cancellationToken).ConfigureAwait(false);
                }
            }

            if (metadata is not null && generation != metadata.Generation)
            {
                if (problems.Count == problemsBefore)
                {
                    problems.Add($"The files of the committed generation {metadata.Generation} are missing; generation {generation} is used.");
                }

                rewriteMetadata = true;
            }
        }

        VectorStoreCollection<string, ChunkRecord> collection = _store.GetCollection<string, ChunkRecord>(CollectionName, ChunkRecord.CreateDefinition(dimensions));
        await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        int repaired = await CheckAsync(collection, state, cancellationToken).ConfigureAwait(false);
        if (repaired > 0)
        {
            problems.Add($"{repaired} document(s) disagreed with their chunks (a lost or damaged state, or chunks left by an interrupted run); the next ingestion reads them again.");
        }

        _state = state;
        _generation = generation;
        // A rebuild commits even when nothing is ingested: the empty index replaces the old one.
        _committedChanges = rebuild ? -1 : state.Changes - repaired;
        _rewriteMetadata = rewriteMetadata;
        _embedderRecorded = embedderRecorded;
        _collection = collection;
        LastCheck = new LocalIndexCheck
        {
            Generation = generation,
            Documents = state.Count,
            Chunks = Count,
            RepairedDocuments = repaired,
            Problems = problems,
        };
        LocalIndexLog.Opened(_logger, DataDirectory, generation, state.Count, Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        foreach (string problem in problems)
        {
            LocalIndexLog.CheckProblem(_logger, DataDirectory, problem);
        }
    }

    /// <summary>Loads the newest readable snapshot among <paramref name="candidates"/> into the store.</summary>
    /// <returns>Its generation; 0 when none could be read (or the legacy snapshot was).</returns>
    private async Task<long> LoadSnapshotAsync(InMemoryVectorStore store, List<long> candidates, List<string> problems, CancellationToken cancellationToken)
    {
        if (File.Exists(LegacySnapshotPath))
        {
            candidates.Add(0);
        }

        foreach (long candidate in candidates)
        {
            string path = candidate == 0 ? LegacySnapshotPath : GenerationPath(candidate, ".lsvi");
            try
            {
                string name = await store.LoadCollectionFromFileAsync(path, cancellationToken).ConfigureAwait(false);
                if (name != CollectionName)
                {
                    await store.EnsureCollectionDeletedAsync(name, cancellationToken).ConfigureAwait(false);
                    throw new InvalidDataException($"it holds the collection '{name}', not '{CollectionName}'.");
                }

                return candidate;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"The snapshot '{path}' cannot be read ({e.Message}); an older generation is used, or the index starts empty.");
            }
        }

        return 0;
    }

    private async Task<IngestionState> LoadStateAsync(long generation, List<string> problems, CancellationToken cancellationToken)
    {
        if (generation == 0)
        {
            // An index of the first format: its manifest is not trusted; the check rebuilds the state from the chunks.
            return new IngestionState();
        }

        string path = GenerationPath(generation, ".state.json");
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                return await IngestionState.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problems.Add($"The ingestion state '{path}' is missing; it is rebuilt from the chunks.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"The ingestion state '{path}' cannot be read ({e.Message}); it is rebuilt from the chunks.");
        }

        return new IngestionState();
    }

    /// <summary>Makes the state agree with the chunks: a document whose committed chunks are missing, or that has chunks the state does not know, is reset to what the store holds.</summary>
    /// <returns>The number of documents reset.</returns>
    private async Task<int> CheckAsync(VectorStoreCollection<string, ChunkRecord> collection, IngestionState state, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, (HashSet<string> Keys, long Version)>(StringComparer.Ordinal);
        await foreach (ChunkRecord record in ScanAsync(collection, cancellationToken).ConfigureAwait(false))
        {
            if (!stored.TryGetValue(record.DocumentId, out (HashSet<string> Keys, long Version) document))
            {
                document = (new HashSet<string>(StringComparer.Ordinal), 0);
            }

            document.Keys.Add(record.Key);
            stored[record.DocumentId] = (document.Keys, Math.Max(document.Version, record.DocumentVersion));
        }

        int repaired = 0;
        foreach (string id in state.GetDocumentIds())
        {
            (HashSet<string> Keys, long Version) document = stored.GetValueOrDefault(id, (new HashSet<string>(StringComparer.Ordinal), 0));
            IReadOnlyCollection<string> known = state.GetChunkKeys(id);
            IReadOnlyCollection<string> committed = state.GetCommittedChunkKeys(id);
            // Counted first: a damaged state may claim far more keys than the store holds, which are then not enumerated.
            if (committed.Count > document.Keys.Count || !committed.All(document.Keys.Contains) || !document.Keys.All(known.Contains))
            {
                state.Reset(id, document.Keys, document.Version);
                repaired++;
            }

            stored.Remove(id);
        }

        foreach ((string id, (HashSet<string> keys, long version)) in stored)
        {
            state.Reset(id, keys, version);
            repaired++;
        }

        return repaired;
    }

    /// <summary>Every chunk of the collection, without vectors: in one call from the in-memory store, in pages ordered by key from any other.</summary>
    private async IAsyncEnumerable<ChunkRecord> ScanAsync(
        VectorStoreCollection<string, ChunkRecord> collection, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_snapshotStore is not null)
        {
            await foreach (ChunkRecord record in collection.GetAsync(r => r.DocumentId != string.Empty, Math.Max(1, Count), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                yield return record;
            }

            yield break;
        }

        bool ordered = true;
        for (int skip = 0; ; skip += ScanPageSize)
        {
            var options = new FilteredRecordRetrievalOptions<ChunkRecord> { Skip = skip };
            if (ordered)
            {
                options.OrderBy = o => o.Ascending(r => r.Key);
            }

            List<ChunkRecord> page;
            try
            {
                page = await collection.GetAsync(r => r.DocumentId != string.Empty, ScanPageSize, options, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NotSupportedException) when (ordered && skip == 0)
            {
                // A store that cannot order records (Chroma) pages through them in its own stable order.
                ordered = false;
                skip -= ScanPageSize;
                continue;
            }

            int read = page.Count;
            foreach (ChunkRecord record in page)
            {
                yield return record;
            }

            if (read < ScanPageSize)
            {
                yield break;
            }
        }
    }
}
