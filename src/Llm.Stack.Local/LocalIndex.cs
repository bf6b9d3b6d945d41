using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Local;

/// <summary>
/// A document index kept in a folder, committed atomically: the in-memory vector index's snapshot of the chunk
/// collection (<c>{collection}.{generation}.lsvi</c>), the ingestion state (document ids, versions, content hashes and
/// chunk keys: <c>{collection}.{generation}.state.json</c>) and <c>index.json</c>, which names the committed generation
/// and records the embedder the vectors came from, so that embedders are never mixed. The chunks can also live in an
/// application's own <see cref="VectorStore"/> (see <see cref="SavesSnapshots"/>).
/// </summary>
/// <remarks>
/// <para>
/// Stores: without a store, or with an <see cref="InMemoryVectorStore"/> that persists nothing by itself (such as one
/// registered with <c>AddInMemoryVectorStore()</c>), the index loads and saves that store's chunk collection as the
/// snapshots above. With any other store (a server such as Chroma or PostgreSQL, or an <see cref="InMemoryVectorStore"/>
/// with its own <see cref="InMemoryVectorStoreOptions.PersistenceDirectory"/>), the store keeps the chunks and their
/// durability is its own: a commit writes only the state and <c>index.json</c>, after the store acknowledged every write
/// the state records. A crash can then leave the store ahead of the committed state (chunks written or deleted since),
/// or, with a store that saves lazily, behind it; the self-check on open compares the state with the chunks the store
/// holds and re-reads every document on which they disagree, so that no document counts as indexed whose chunks the
/// store does not hold, and no chunk is left that no document owns.
/// </para>
/// <para>
/// Durability: a commit writes a new generation beside the committed one (each file flushed to disk, then the
/// folder), then replaces <c>index.json</c> the same way; the rename of <c>index.json</c> is the commit. A crash at
/// any point (<c>kill -9</c>, power loss, a full disk, a read-only folder) leaves the previous committed generation or
/// the new one, never a mix. An ingestion commits every <see cref="IngestionOptions.CheckpointInterval"/> chunks, so
/// that a crash late in a long run loses at most that much embedding work, and the next run converges to what a
/// clean run gives: the same chunks, no orphans, no stale text.
/// </para>
/// <para>
/// Self-check: opening verifies that the state and the chunks agree. A lost or damaged state file, a damaged
/// snapshot (the previous generation is used), or chunks the state does not know are reported in
/// <see cref="LastCheck"/> and repaired: the affected documents are read again by the next ingestion, reusing the
/// embeddings of unchanged chunks.
/// </para>
/// <para>
/// Concurrency: one process at a time writes a folder; an ingestion holds an OS lock on <c>write.lock</c> and a second
/// one waits for it (<see cref="WriterLockTimeout"/>) or fails with <see cref="IndexLockedException"/>. Readers take no
/// lock: they see the last committed generation. Within a process, open the index once, then ingest and search from
/// several threads: searches run concurrently with ingestion. Set <see cref="WriterLockTimeout"/> and
/// <see cref="WaitingForWriter"/> before ingesting.
/// </para>
/// </remarks>
public sealed class LocalIndex : IDisposable
{
    /// <summary>The name of the file whose OS lock one writer at a time holds.</summary>
    public const string LockFileName = "write.lock";

    /// <summary>The suffix of the name of the collection that keeps the ingestion state beside the chunks (<see cref="LocalDefaultsOptions.KeepIngestionStateInStore"/>).</summary>
    public const string StateCollectionSuffix = "_state";

    private const int ScanPageSize = 1000;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly VectorStore _store;
    private readonly InMemoryVectorStore? _snapshotStore;
    private readonly bool _ownsStore;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private readonly bool _hybrid;
    private readonly IngestionStateStore? _stateStore;
    private VectorStoreCollection<string, ChunkRecord>? _collection;
    private IngestionState _state = new();
    private long _generation;
    private long _committedChanges;

    /// <summary>Initializes a new instance of the <see cref="LocalIndex"/> class; nothing is read until it is opened.</summary>
    /// <param name="dataDirectory">The folder of the index; created on first commit.</param>
    /// <param name="embedder">The embedder the index's vectors come from.</param>
    /// <param name="options">The collection name and retrieval mode; <see langword="null"/> for the defaults.</param>
    /// <param name="store">
    /// The store that holds the chunk collection (see <see cref="SavesSnapshots"/>); <see langword="null"/> for an
    /// <see cref="InMemoryVectorStore"/> of <see cref="LocalDefaultsOptions.IndexKind"/> owned by the index. A store given
    /// here is not disposed by the index.
    /// </param>
    /// <param name="logger">The logger; <see langword="null"/> for none. Messages name files and document counts, never document text.</param>
    /// <exception cref="ArgumentException"><paramref name="dataDirectory"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="embedder"/> is <see langword="null"/>.</exception>
    public LocalIndex(
        string dataDirectory,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        LocalDefaultsOptions? options = null,
        VectorStore? store = null,
        ILogger<LocalIndex>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(embedder);
        options ??= new LocalDefaultsOptions();
        DataDirectory = Path.GetFullPath(dataDirectory);
        CollectionName = options.CollectionName;
        _hybrid = options.HybridRetrieval;
        _ownsStore = store is null;
        _store = store ?? new InMemoryVectorStore(new InMemoryVectorStoreOptions { IndexKind = options.IndexKind });
        _snapshotStore = _store is InMemoryVectorStore { PersistenceDirectory: null } memory ? memory : null;
        if (options.KeepIngestionStateInStore)
        {
            // The state beside the chunks in the store (IngestionStateStore), so that processes on several machines agree.
            _stateStore = _snapshotStore is null
                ? new VectorStoreIngestionStateStore(_store, CollectionName + StateCollectionSuffix)
                : throw new ArgumentException("The ingestion state can be kept in the store only when the store keeps the chunks itself (a server such as PostgreSQL or Chroma), not in the index's own in-memory store.", nameof(options));
        }

        _logger = logger ?? (ILogger)NullLogger.Instance;
        WriterLockTimeout = options.WriterLockTimeout;
        _embedder = embedder;
    }

    /// <summary>Gets the folder of the index.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the name of the chunk collection.</summary>
    public string CollectionName { get; }

    /// <summary>Gets the path of the committed snapshot that was opened (or would be written first).</summary>
    public string SnapshotPath => _generation == 0 && File.Exists(LegacySnapshotPath) ? LegacySnapshotPath : GenerationPath(Math.Max(_generation, 1), ".lsvi");

    /// <summary>Gets the path of the committed ingestion state that was opened (or would be written first).</summary>
    public string StatePath => GenerationPath(Math.Max(_generation, 1), ".state.json");

    /// <summary>Gets the path of <c>index.json</c>.</summary>
    public string MetadataPath => Path.Combine(DataDirectory, "index.json");

    /// <summary>Gets the vector store that holds the collection.</summary>
    public VectorStore Store => _store;

    /// <summary>Gets a value indicating whether the index saves the chunks itself, as snapshots of its in-memory store.</summary>
    /// <value>
    /// <see langword="true"/> for an <see cref="InMemoryVectorStore"/> that persists nothing by itself: each commit writes
    /// a snapshot of the chunks with the state. <see langword="false"/> for any other store, which keeps the chunks
    /// durable itself: each commit writes only the state, and opening checks it against the chunks the store holds.
    /// </value>
    public bool SavesSnapshots => _snapshotStore is not null;

    /// <summary>Gets the chunk collection.</summary>
    /// <exception cref="InvalidOperationException">The index has not been opened.</exception>
    public VectorStoreCollection<string, ChunkRecord> Collection =>
        _collection ?? throw new InvalidOperationException("The index is not open: call OpenAsync first.");

    /// <summary>Gets the number of chunks in the collection (0 before it is opened).</summary>
    /// <value>With a store the index does not save (<see cref="SavesSnapshots"/> is <see langword="false"/>), the chunks the ingestion state holds.</value>
    public int Count => _snapshotStore is not null ? _snapshotStore.GetCollectionInfo(CollectionName)?.Count ?? 0 : StateChunkCount(_state);

    /// <summary>Gets the number of documents in the ingestion state (0 before it is opened).</summary>
    public int DocumentCount => _state.Count;

    /// <summary>Gets the result of the self-check run by the last open; <see langword="null"/> before the index is opened.</summary>
    public LocalIndexCheck? LastCheck { get; private set; }

    /// <summary>Gets or sets how long an ingestion waits for another process that is writing the folder.</summary>
    /// <value>
    /// <see cref="Timeout.InfiniteTimeSpan"/> to wait until it finishes; <see cref="TimeSpan.Zero"/> to fail at once with
    /// <see cref="IndexLockedException"/>. The default value is <see cref="LocalDefaultsOptions.WriterLockTimeout"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan WriterLockTimeout
    {
        get;
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The timeout must not be negative (except Timeout.InfiniteTimeSpan).");
            }

            field = value;
        }
    }

    /// <summary>Gets or sets what is told, once, when an ingestion has to wait for another process writing the folder.</summary>
    /// <value>The callback, given a one-line message; <see langword="null"/> for none. The default value is <see langword="null"/>.</value>
    public Action<string>? WaitingForWriter { get; set; }

    /// <summary>Gets the configured embedder's model id and dimensions.</summary>
    public (string ModelId, int Dimensions) Embedder
    {
        get
        {
            var metadata = _embedder.GetService<EmbeddingGeneratorMetadata>();
            return (metadata?.DefaultModelId ?? _embedder.GetType().Name, metadata?.DefaultModelDimensions ?? 0);
        }
    }

    /// <summary>Gets the ingestion state as opened or last changed (tests read what it counts as indexed).</summary>
    internal IngestionState State => _state;

    /// <summary>Gets or sets a decorator of the streams a commit writes (tests inject a full disk with it).</summary>
    internal Func<Stream, Stream>? CommitStreamDecorator { get; set; }

    /// <summary>Gets or sets what is told of each file a commit creates, flushes, renames or deletes (tests simulate a power loss with it).</summary>
    internal IDurabilityObserver? DurabilityObserver { get; set; }

    private string LegacySnapshotPath => Path.Combine(DataDirectory, CollectionName + ".lsvi");

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
    /// <exception cref="EmbedderMismatchException">The index was built with another embedder.</exception>
    /// <remarks>Nothing is written: a damaged file is reported in <see cref="LastCheck"/> and repaired in memory.</remarks>
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

    /// <summary>Ingests items into the index incrementally, committing every few chunks and at the end (also when cancelled or failing).</summary>
    /// <param name="pipeline">The ingestion pipeline.</param>
    /// <param name="items">The items; documents ingested before and missing now are removed when the options say so.</param>
    /// <param name="options">
    /// The options of the run, merged over the pipeline's defaults (<see cref="IngestionOptions.WithDefaults"/>); its
    /// state and checkpoint are the index's. <see langword="null"/> for the pipeline's defaults (<c>AddLocalDefaults</c>
    /// makes them process one document at a time, because the local ONNX embedder already spreads one call over every
    /// core: <c>benchmarks/RESULTS.md</c>, ingestion with MiniLM).
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One result per document, as each finishes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pipeline"/> or <paramref name="items"/> is <see langword="null"/>.</exception>
    /// <exception cref="IndexLockedException">Another process is writing the folder and <see cref="WriterLockTimeout"/> ran out.</exception>
    /// <exception cref="IOException">A commit failed (full disk, read-only folder); the last committed state is kept.</exception>
    public async IAsyncEnumerable<IngestionResult> IngestAsync(
        IngestionPipeline pipeline,
        IAsyncEnumerable<IngestionItem> items,
        IngestionOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(items);
        using WriterLock writer = await WriterLock.AcquireAsync(DataDirectory, WriterLockTimeout, OnWaiting, cancellationToken).ConfigureAwait(false);
        // With the state in the store, the store's writer lease orders writers of every machine (see VectorStoreIngestionStateStore).
        IAsyncDisposable? lease = _stateStore is null ? null : await _stateStore.AcquireWriterAsync(WriterLockTimeout, OnWaiting, cancellationToken).ConfigureAwait(false);
        await using ConfiguredAsyncDisposable leaseScope = (lease ?? NoLease.Instance).ConfigureAwait(false);
        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another process may have committed since this one opened the index (with the state in the store, any
            // process of any machine): continue from its commit.
            if (_collection is null || (_committedChanges >= 0 && (_stateStore is not null || CommittedGeneration() != _generation)))
            {
                await LoadAsync(rebuild: false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _openLock.Release();
        }

        options = options?.Clone() ?? new IngestionOptions();
        options.State = _state;
        options.Checkpoint = ct => CommitAsync(writer, ct);
        await foreach (IngestionResult result in pipeline.IngestAsync(items, Collection, options, cancellationToken).ConfigureAwait(false))
        {
            yield return result;
        }

        // Repairs made on open change the state without any write of the pipeline.
        await CommitAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits the index as it is in memory, when it changed since the last commit.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the commit is on disk.</returns>
    /// <exception cref="InvalidOperationException">The index has not been opened.</exception>
    /// <exception cref="IndexLockedException">Another process is writing the folder and <see cref="WriterLockTimeout"/> ran out.</exception>
    /// <exception cref="IOException">The commit failed (full disk, read-only folder); the last committed state is kept.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        _ = Collection;
        using WriterLock writer = await WriterLock.AcquireAsync(DataDirectory, WriterLockTimeout, OnWaiting, cancellationToken).ConfigureAwait(false);
        await CommitAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a retriever over the index: hybrid (BM25 and vector, fused) unless the options turned it off.</summary>
    /// <returns>A retriever that opens the index on first use.</returns>
    public IRetriever CreateRetriever() => new OpeningRetriever(this);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }

        (_stateStore as IDisposable)?.Dispose();
        _openLock.Dispose();
    }

    private static int StateChunkCount(IngestionState state)
    {
        long count = 0;
        foreach (string id in state.GetDocumentIds())
        {
            count += state.GetChunkKeys(id).Count;
        }

        return (int)Math.Min(count, int.MaxValue);
    }

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

    private async Task LoadAsync(bool rebuild, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
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
        if (!rebuild)
        {
            LocalIndexMetadata? metadata = null;
            try
            {
                metadata = ReadMetadata();
            }
            catch (InvalidDataException e)
            {
                problems.Add(e.Message + " The newest readable generation is used.");
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

            if (_stateStore is not null)
            {
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
            if (!state.GetCommittedChunkKeys(id).All(document.Keys.Contains) || !document.Keys.All(known.Contains))
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

    /// <summary>Commits the index: a new generation of snapshot and state, flushed to disk, then <c>index.json</c> pointing to it.</summary>
    private async Task CommitAsync(WriterLock writer, CancellationToken cancellationToken)
    {
        long changes = _state.Changes;
        if (changes == _committedChanges)
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
        LocalIndexLog.Committed(_logger, DataDirectory, generation, _state.Count, Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        RemoveOldFiles(generation, previous);
    }

    private void OnWaiting(string message)
    {
        LocalIndexLog.WaitingForWriter(_logger, DataDirectory);
        WaitingForWriter?.Invoke(message);
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

    private sealed class NoLease : IAsyncDisposable
    {
        public static readonly NoLease Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class OpeningRetriever(LocalIndex index) : IRetriever
    {
        private IRetriever? _inner;

        public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(query);
            await index.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _inner ??= Create();
            return await _inner.RetrieveAsync(query, options, cancellationToken).ConfigureAwait(false);
        }

        private IRetriever Create()
        {
            VectorStoreCollection<string, ChunkRecord> collection = index.Collection;
            if (index._hybrid && collection is IKeywordHybridSearchable<ChunkRecord>)
            {
                return new KeywordHybridRetriever<string, ChunkRecord>(collection, VectorStoreRetriever.ToChunk, index._embedder);
            }

            if (index._hybrid)
            {
                // A store without keyword search (such as a server connector without full-text ranking): vector search, said once.
                LocalIndexLog.HybridFallback(index._logger, index.DataDirectory, collection.Name, collection.GetType().Name);
            }

            return VectorStoreRetriever.ForChunkRecords(collection, index._embedder);
        }
    }
}
