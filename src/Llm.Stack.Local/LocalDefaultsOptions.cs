using Llm.Stack.VectorIndex;

namespace Llm.Stack.Local;

/// <summary>Options of <c>AddLocalDefaults</c>.</summary>
/// <remarks>Read once when the services are built; do not mutate afterwards.</remarks>
public sealed class LocalDefaultsOptions
{
    /// <summary>Gets or sets the name of the chunk collection.</summary>
    /// <value>The default value is <c>documents</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string CollectionName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "documents";

    /// <summary>Gets or sets the index kind of the chunk vectors: <c>flat</c> (exact) or <c>hnsw</c> (approximate graph).</summary>
    /// <value>
    /// Compared without regard to case (see <c>InMemoryVectorStoreOptions.IndexKind</c>). With <c>hnsw</c>, an index saved
    /// as flat gets its graph built when it is opened; an index saved as hnsw keeps its graph when opened as flat (a
    /// snapshot does not record where its kind came from) until it is rebuilt. The default value is <c>Flat</c>.
    /// </value>
    /// <exception cref="ArgumentException">The value is not a supported index kind.</exception>
    public string IndexKind
    {
        get;
        set => field = new InMemoryVectorStoreOptions { IndexKind = value }.IndexKind;
    } = Microsoft.Extensions.VectorData.IndexKind.Flat;

    /// <summary>Gets or sets the quantization of the chunk vectors in the index's own in-memory store.</summary>
    /// <value>
    /// <see cref="VectorQuantization.None"/> (the default): exact float32 search. <see cref="VectorQuantization.Int8"/> or
    /// <see cref="VectorQuantization.Binary"/>: the codes are searched and the candidates rescored with the float32 vectors
    /// (see <c>InMemoryVectorStoreOptions.Quantization</c>); with <c>hnsw</c>, int8 codes drive the graph (binary applies to
    /// the flat scan only; the graph stays float32). It applies
    /// when the index is built: an index saved with another encoding keeps it until it is rebuilt. A store registered in
    /// code or by configuration keeps its own settings.
    /// </value>
    public VectorQuantization Quantization { get; set; }

    /// <summary>Gets or sets the key of the keyed <see cref="Microsoft.Extensions.VectorData.VectorStore"/> that holds the chunks.</summary>
    /// <value>
    /// The service key, such as the one given to <c>AddKeyedInMemoryVectorStore</c>; <see langword="null"/> for the stack's
    /// (unkeyed) store when one is registered, else the index's own in-memory store. The default value is <see langword="null"/>.
    /// </value>
    public object? VectorStoreKey { get; set; }

    /// <summary>Gets or sets a value indicating whether retrieval fuses BM25 keyword and vector rankings.</summary>
    /// <value>
    /// The default value is <see langword="true"/>; <see langword="false"/> searches by vector only. A store whose collection
    /// has no keyword search (it does not implement <c>IKeywordHybridSearchable</c>) is searched by vector only, and the
    /// index logs that once.
    /// </value>
    public bool HybridRetrieval { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the ingestion state lives in the vector store, beside the chunks.</summary>
    /// <value>
    /// <see langword="false"/> (the default) keeps it in a file of the index folder, which suits one machine.
    /// <see langword="true"/> keeps it in the collection <c>{CollectionName}_state</c> of the store that holds the chunks
    /// (a <see cref="Llm.Stack.VectorStoreIngestionStateStore"/>), so that ingestions on several machines into one server agree on
    /// what is indexed, take turns through the store's writer lease, and resume what a killed one left. Configuration:
    /// <c>LlmStack:VectorStore:IngestionState</c> = <c>store</c>. It needs a store that keeps the chunks itself (a server
    /// such as PostgreSQL or Chroma).
    /// </value>
    public bool KeepIngestionStateInStore { get; set; }

    /// <summary>Gets or sets how long an ingestion waits for another process that is writing the same index folder.</summary>
    /// <value>
    /// <see cref="Timeout.InfiniteTimeSpan"/> to wait until it finishes; <see cref="TimeSpan.Zero"/> to fail at once with
    /// <see cref="IndexLockedException"/>. The default value is <see cref="Timeout.InfiniteTimeSpan"/>.
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
    } = Timeout.InfiniteTimeSpan;
}
