using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Local;

/// <summary>
/// A document index kept in a folder: the in-memory vector index's snapshot of the chunk collection
/// (<c>{collection}.lsvi</c>), the ingestion manifest (<c>manifest.json</c>) and <c>index.json</c>, which records the
/// embedder the vectors came from so that embedders are never mixed.
/// </summary>
/// <remarks>
/// <para>
/// Open it once (<see cref="OpenAsync"/>; retrievers from <see cref="CreateRetriever"/> open it on first use), then
/// ingest and search from several threads: searches run concurrently with ingestion. Two processes must not ingest
/// into the same folder at the same time.
/// </para>
/// <para>
/// The snapshot is saved atomically after every ingestion, also when it was cancelled, so that it agrees with the
/// manifest. When a process died between the two, the manifest is newer than the snapshot and is dropped on open:
/// the next ingestion re-checks every document (chunk keys come from content hashes, so nothing is duplicated).
/// </para>
/// </remarks>
public sealed class LocalIndex : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly InMemoryVectorStore _store;
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private readonly bool _hybrid;
    private VectorStoreCollection<string, ChunkRecord>? _collection;

    /// <summary>Initializes a new instance of the <see cref="LocalIndex"/> class; nothing is read until it is opened.</summary>
    /// <param name="dataDirectory">The folder of the index; created on first save.</param>
    /// <param name="embedder">The embedder the index's vectors come from.</param>
    /// <param name="options">The collection name and retrieval mode; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="dataDirectory"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="embedder"/> is <see langword="null"/>.</exception>
    public LocalIndex(string dataDirectory, IEmbeddingGenerator<string, Embedding<float>> embedder, LocalDefaultsOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(embedder);
        options ??= new LocalDefaultsOptions();
        DataDirectory = Path.GetFullPath(dataDirectory);
        CollectionName = options.CollectionName;
        _hybrid = options.HybridRetrieval;
        _store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { IndexKind = options.IndexKind });
        _embedder = embedder;
    }

    /// <summary>Gets the folder of the index.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the name of the chunk collection.</summary>
    public string CollectionName { get; }

    /// <summary>Gets the path of the index snapshot.</summary>
    public string SnapshotPath => Path.Combine(DataDirectory, CollectionName + ".lsvi");

    /// <summary>Gets the path of the ingestion manifest.</summary>
    public string ManifestPath => Path.Combine(DataDirectory, "manifest.json");

    /// <summary>Gets the path of <c>index.json</c>.</summary>
    public string MetadataPath => Path.Combine(DataDirectory, "index.json");

    /// <summary>Gets the vector store that holds the collection.</summary>
    public VectorStore Store => _store;

    /// <summary>Gets the chunk collection.</summary>
    /// <exception cref="InvalidOperationException">The index has not been opened.</exception>
    public VectorStoreCollection<string, ChunkRecord> Collection =>
        _collection ?? throw new InvalidOperationException("The index is not open: call OpenAsync first.");

    /// <summary>Gets the number of chunks in the collection (0 before it is opened).</summary>
    public int Count => _store.GetCollectionInfo(CollectionName)?.Count ?? 0;

    /// <summary>Gets the configured embedder's model id and dimensions.</summary>
    public (string ModelId, int Dimensions) Embedder
    {
        get
        {
            var metadata = _embedder.GetService<EmbeddingGeneratorMetadata>();
            return (metadata?.DefaultModelId ?? _embedder.GetType().Name, metadata?.DefaultModelDimensions ?? 0);
        }
    }

    /// <summary>Reads <c>index.json</c> without loading the index.</summary>
    /// <returns>The metadata, or <see langword="null"/> when the index was never saved.</returns>
    /// <exception cref="InvalidDataException"><c>index.json</c> is corrupt.</exception>
    public LocalIndexMetadata? ReadMetadata()
    {
        if (!File.Exists(MetadataPath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<LocalIndexMetadata>(File.ReadAllText(MetadataPath))
                ?? throw new InvalidDataException($"'{MetadataPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{MetadataPath}' is corrupt: {e.Message}", e);
        }
    }

    /// <summary>Loads the index from its folder, or starts an empty one.</summary>
    /// <param name="rebuild"><see langword="true"/> to delete the index and start empty (after changing the embedder).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the index is open.</returns>
    /// <exception cref="EmbedderMismatchException">The index was built with another embedder.</exception>
    /// <exception cref="InvalidDataException">The snapshot or <c>index.json</c> is corrupt.</exception>
    public async Task OpenAsync(bool rebuild = false, CancellationToken cancellationToken = default)
    {
        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_collection is not null && !rebuild)
            {
                return;
            }

            if (_collection is not null)
            {
                await _store.EnsureCollectionDeletedAsync(CollectionName, cancellationToken).ConfigureAwait(false);
                _collection = null;
            }

            if (rebuild)
            {
                DeleteIfExists(SnapshotPath);
                DeleteIfExists(ManifestPath);
                DeleteIfExists(MetadataPath);
            }

            (string modelId, int dimensions) = Embedder;
            if (ReadMetadata() is { } metadata && (metadata.EmbeddingModel != modelId || metadata.Dimensions != dimensions))
            {
                throw new EmbedderMismatchException(metadata.EmbeddingModel, metadata.Dimensions, modelId, dimensions);
            }

            if (File.Exists(SnapshotPath))
            {
                if (File.Exists(ManifestPath) && File.GetLastWriteTimeUtc(ManifestPath) > File.GetLastWriteTimeUtc(SnapshotPath).AddSeconds(1))
                {
                    DeleteIfExists(ManifestPath);
                }

                await _store.LoadCollectionFromFileAsync(SnapshotPath, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                DeleteIfExists(ManifestPath);
            }

            VectorStoreCollection<string, ChunkRecord> collection = _store.GetCollection<string, ChunkRecord>(CollectionName, ChunkRecord.CreateDefinition(dimensions));
            await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
            _collection = collection;
        }
        finally
        {
            _openLock.Release();
        }
    }

    /// <summary>Ingests items into the index incrementally, then saves it (also when cancelled or failing).</summary>
    /// <param name="pipeline">The ingestion pipeline.</param>
    /// <param name="items">The items; documents ingested before and missing now are removed when the options say so.</param>
    /// <param name="options">
    /// The options of the run; its manifest path is set to the index's. When <see langword="null"/>, documents are
    /// processed one at a time (<see cref="IngestionOptions.MaxDegreeOfParallelism"/> = 1), because the local ONNX
    /// embedder already spreads one call over every core: two calls at once measured 16% slower on two cores
    /// (<c>benchmarks/RESULTS.md</c>, ingestion with MiniLM).
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One result per document, as each finishes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pipeline"/> or <paramref name="items"/> is <see langword="null"/>.</exception>
    public async IAsyncEnumerable<IngestionResult> IngestAsync(
        IngestionPipeline pipeline,
        IAsyncEnumerable<IngestionItem> items,
        IngestionOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(items);
        await OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        options = options?.Clone() ?? new IngestionOptions { MaxDegreeOfParallelism = 1 };
        options.ManifestPath = ManifestPath;
        Directory.CreateDirectory(DataDirectory);
        try
        {
            await foreach (IngestionResult result in pipeline.IngestAsync(items, Collection, options, cancellationToken).ConfigureAwait(false))
            {
                yield return result;
            }
        }
        finally
        {
            await SaveAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Saves the snapshot atomically, then <c>index.json</c>.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when both are written.</returns>
    /// <exception cref="InvalidOperationException">The index has not been opened.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        _ = Collection;
        Directory.CreateDirectory(DataDirectory);
        await _store.SaveCollectionToFileAsync(CollectionName, SnapshotPath, cancellationToken).ConfigureAwait(false);
        (string modelId, int dimensions) = Embedder;
        var metadata = new LocalIndexMetadata(modelId, dimensions, Count, DateTimeOffset.UtcNow);
        string temp = MetadataPath + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(metadata, Indented), cancellationToken).ConfigureAwait(false);
        File.Move(temp, MetadataPath, overwrite: true);
    }

    /// <summary>Creates a retriever over the index: hybrid (BM25 and vector, fused) unless the options turned it off.</summary>
    /// <returns>A retriever that opens the index on first use.</returns>
    public IRetriever CreateRetriever() => new OpeningRetriever(this);

    /// <inheritdoc />
    public void Dispose()
    {
        _store.Dispose();
        _openLock.Dispose();
    }

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private sealed class OpeningRetriever(LocalIndex index) : IRetriever
    {
        private IRetriever? _inner;

        public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(query);
            await index.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _inner ??= index._hybrid
                ? new KeywordHybridRetriever<string, ChunkRecord>(index.Collection, VectorStoreRetriever.ToChunk, index._embedder)
                : VectorStoreRetriever.ForChunkRecords(index.Collection, index._embedder);
            return await _inner.RetrieveAsync(query, options, cancellationToken).ConfigureAwait(false);
        }
    }
}
