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
/// Self-check: opening verifies that the state and the chunks agree. A lost or damaged state file, a lost or damaged
/// snapshot (the previous generation is used), a damaged <c>index.json</c>, or chunks the state does not know are
/// reported in <see cref="LastCheck"/> and repaired: the affected documents are read again by the next ingestion,
/// reusing the embeddings of unchanged chunks, and its commit rewrites <c>index.json</c> even when nothing else changed.
/// </para>
/// <para>
/// Concurrency: one process at a time writes a folder; an ingestion holds an OS lock on <c>write.lock</c> and a second
/// one waits for it (<see cref="WriterLockTimeout"/>) or fails with <see cref="IndexLockedException"/>. Readers take no
/// lock: they see the last committed generation. Within a process, open the index once, then ingest and search from
/// several threads: searches run concurrently with ingestion. Set <see cref="WriterLockTimeout"/> and
/// <see cref="WaitingForWriter"/> before ingesting.
/// </para>
/// </remarks>
public sealed partial class LocalIndex : IDisposable
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
    private bool _rewriteMetadata;
    private bool _embedderRecorded;
    private int _probedDimensions;

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
        _store = store ?? new InMemoryVectorStore(OwnStoreOptions(options));
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

    /// <summary>The options of the index's own store: the index kind, and the quantization on the flat scan or the graph.</summary>
    private static InMemoryVectorStoreOptions OwnStoreOptions(LocalDefaultsOptions options)
    {
        var storeOptions = new InMemoryVectorStoreOptions { IndexKind = options.IndexKind, Quantization = options.Quantization };
        if (options.Quantization == VectorQuantization.Int8)
        {
            // The graph's own encoding (binary codes are for the flat scan only; a binary hnsw index keeps a float32 graph).
            storeOptions.Hnsw.Quantization = VectorQuantization.Int8;
        }

        return storeOptions;
    }

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

    /// <summary>Gets the configured embedder's model id and dimensions.</summary>
    /// <value>
    /// The dimensions its <see cref="EmbeddingGeneratorMetadata.DefaultModelDimensions"/> reports; for an embedder that
    /// reports none (an OpenAI-compatible endpoint), the length of the embedding that opening the index asked it for, and
    /// 0 before the index is opened.
    /// </value>
    public (string ModelId, int Dimensions) Embedder
    {
        get
        {
            var metadata = _embedder.GetService<EmbeddingGeneratorMetadata>();
            return (metadata?.DefaultModelId ?? _embedder.GetType().Name, metadata?.DefaultModelDimensions ?? Volatile.Read(ref _probedDimensions));
        }
    }

    /// <summary>Gets the ingestion state as opened or last changed (tests read what it counts as indexed).</summary>
    internal IngestionState State => _state;

    /// <summary>Gets or sets a decorator of the streams a commit writes (tests inject a full disk with it).</summary>
    internal Func<Stream, Stream>? CommitStreamDecorator { get; set; }

    /// <summary>Gets or sets what is told of each file a commit creates, flushes, renames or deletes (tests simulate a power loss with it).</summary>
    internal IDurabilityObserver? DurabilityObserver { get; set; }

    private string LegacySnapshotPath => Path.Combine(DataDirectory, CollectionName + ".lsvi");

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
}
