using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.VectorIndex;

/// <summary>Options of an <see cref="InMemoryVectorStore"/>.</summary>
/// <remarks>Read when the store is created; changing them afterwards has no effect on that store.</remarks>
public sealed class InMemoryVectorStoreOptions
{
    /// <summary>Gets or sets the default embedding generator of the store's collections.</summary>
    /// <value>
    /// Used for vector properties whose type is not a vector (for example <see cref="string"/>) and for searching
    /// with a non-vector value. A generator on the collection definition or the property takes precedence.
    /// The default value is <see langword="null"/>.
    /// </value>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>Gets or sets the maximum number of cores one search uses.</summary>
    /// <value>
    /// Large collections are split into this many partitions scanned in parallel; 1 keeps every search on the
    /// calling thread. The default value is <see cref="Environment.ProcessorCount"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism { get; set => field = OptionRange.Check(value, 1); } = Environment.ProcessorCount;

    /// <summary>Gets or sets the directory where the store persists its collections automatically.</summary>
    /// <value>
    /// When set, the store loads every snapshot (<c>*.lsvi</c>) in the directory when it is created, saves each changed
    /// collection after <see cref="PersistenceInterval"/> (debounced: at most one save per collection and interval),
    /// saves the remaining changes when disposed, and deletes the file of a deleted collection. Saves are atomic.
    /// The default value is <see langword="null"/>: nothing is persisted automatically.
    /// </value>
    public string? PersistenceDirectory { get; set; }

    /// <summary>Gets or sets how long the store waits between automatic saves of changed collections.</summary>
    /// <value>The default value is 2 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan PersistenceInterval
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the rank constant <c>k</c> of the reciprocal rank fusion in hybrid search.</summary>
    /// <value>
    /// Each result list contributes <c>1 / (k + rank)</c>; a larger k flattens the difference between top and lower
    /// ranks. The default value is 60 (<see cref="RankFusion.DefaultK"/>).
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int HybridRankConstant { get; set => field = OptionRange.Check(value, 0); } = RankFusion.DefaultK;

    /// <summary>Gets or sets the quantization of vector properties whose index kind is <c>Flat</c> (or not set).</summary>
    /// <value>
    /// The default value is <see cref="VectorQuantization.None"/>: exact float32 search. The store never quantizes
    /// unless asked, here or with <c>IndexKind.QuantizedFlat</c> on a property.
    /// </value>
    public VectorQuantization Quantization { get; set; }

    /// <summary>Gets or sets the encoding of vector properties whose index kind is <c>IndexKind.QuantizedFlat</c>.</summary>
    /// <value>The default value is <see cref="VectorQuantization.Int8"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="VectorQuantization.None"/> or undefined.</exception>
    public VectorQuantization QuantizedFlatEncoding
    {
        get;
        set
        {
            if (value is not (VectorQuantization.Int8 or VectorQuantization.Binary))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "QuantizedFlat properties need Int8 or Binary codes.");
            }

            field = value;
        }
    } = VectorQuantization.Int8;

    /// <summary>Gets or sets how many candidates per requested result a quantized search rescores at full precision.</summary>
    /// <value>
    /// A quantized search keeps <c>QuantizationOversampling × (Skip + top)</c> candidates from the code scan and rescores
    /// them with float32 vectors: higher values raise recall and cost more rescoring. The default value is 10.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int QuantizationOversampling { get; set => field = OptionRange.Check(value, 1); } = 10;

    /// <summary>Gets or sets the index kind of vector properties that do not name one.</summary>
    /// <value>
    /// <c>Flat</c> (exact search), <c>QuantizedFlat</c> or <c>Hnsw</c> (an approximate graph index, see <see cref="Hnsw"/>),
    /// compared without regard to case and stored in the MEVD spelling of <see cref="Microsoft.Extensions.VectorData.IndexKind"/>.
    /// A property that names its index kind keeps it. A store whose index kind is <c>Hnsw</c> also indexes the <c>Flat</c>
    /// columns of the snapshots it loads with HNSW (building their graphs, logged through <see cref="LoggerFactory"/>).
    /// The default value is <c>Flat</c>.
    /// </value>
    /// <exception cref="ArgumentException">The value is not one of the supported index kinds.</exception>
    public string IndexKind
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value.ToUpperInvariant() switch
            {
                "FLAT" => Microsoft.Extensions.VectorData.IndexKind.Flat,
                "QUANTIZEDFLAT" => Microsoft.Extensions.VectorData.IndexKind.QuantizedFlat,
                "HNSW" => Microsoft.Extensions.VectorData.IndexKind.Hnsw,
                _ => throw new ArgumentException($"Index kind '{value}' is not supported by the in-memory vector store; use Flat, QuantizedFlat or Hnsw.", nameof(value)),
            };
        }
    } = Microsoft.Extensions.VectorData.IndexKind.Flat;

    /// <summary>Gets the HNSW parameters of the store's collections (M, EfConstruction, EfSearch, Seed).</summary>
    /// <value>Applied to every collection not named in <see cref="CollectionHnsw"/>.</value>
    public HnswOptions Hnsw { get; } = new();

    /// <summary>Gets the HNSW parameters of individual collections, by collection name, overriding <see cref="Hnsw"/>.</summary>
    public IDictionary<string, HnswOptions> CollectionHnsw { get; } = new Dictionary<string, HnswOptions>(StringComparer.Ordinal);

    /// <summary>Gets or sets the logger factory of the store (snapshot loading reports graph rebuilds through it).</summary>
    /// <value>The default value is <see langword="null"/>: nothing is logged.</value>
    public ILoggerFactory? LoggerFactory { get; set; }
}
