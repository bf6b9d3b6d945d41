using Microsoft.Extensions.AI;

namespace Llm.Stack.Postgres;

/// <summary>Options of a <see cref="PostgresVectorStore"/>.</summary>
/// <remarks>Set the options before creating the store; the store copies them and is not affected by later changes.</remarks>
public sealed class PostgresVectorStoreOptions
{
    /// <summary>Gets or sets the schema that holds the collections' tables.</summary>
    /// <value>The default value is <c>public</c>.</value>
    /// <exception cref="ArgumentException">The value is empty, holds a NUL character or is longer than 63 UTF-8 bytes.</exception>
    public string Schema
    {
        get;
        set
        {
            PostgresSql.ValidateIdentifier(value, "The schema name", nameof(value));
            field = value;
        }
    } = "public";

    /// <summary>Gets or sets the embedding generator of collections whose vector properties hold text (or other non-vector input).</summary>
    /// <value>The default value is <see langword="null"/>: vector properties must hold vectors, and searches take vectors.</value>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>Gets or sets pgvector's <c>m</c> of new HNSW indexes: the links per node (more: better recall, larger index).</summary>
    /// <value>From 2 to 100. The default value is 16, pgvector's default.</value>
    public int HnswM { get; set => field = OptionRange.Check(value, 2, 100); } = 16;

    /// <summary>Gets or sets pgvector's <c>ef_construction</c> of new HNSW indexes: the candidate list while building (more: better graph, slower writes).</summary>
    /// <value>From 4 to 1000, and at least twice <see cref="HnswM"/> when the index is created. The default value is 64, pgvector's default.</value>
    public int HnswEfConstruction { get; set => field = OptionRange.Check(value, 4, 1000); } = 64;

    /// <summary>Gets or sets pgvector's <c>hnsw.ef_search</c> of searches: the candidate list of a query (more: better recall, slower queries).</summary>
    /// <value>From 1 to 1000; a search asking for more results than this uses its <c>Skip + top</c> instead (up to 1000). The default value is 40, pgvector's default.</value>
    public int HnswEfSearch { get; set => field = OptionRange.Check(value, 1, 1000); } = 40;

    /// <summary>Gets or sets pgvector's <c>lists</c> of new IVFFlat indexes (clusters; about rows / 1000 suits up to a million rows).</summary>
    /// <value>From 1 to 32768. The default value is 100, pgvector's default. An IVFFlat index learns its clusters from the rows present when it is created, so create it on loaded data.</value>
    public int IvfFlatLists { get; set => field = OptionRange.Check(value, 1, 32768); } = 100;

    /// <summary>Gets or sets pgvector's <c>ivfflat.probes</c> of searches: the clusters a query visits (more: better recall, slower queries).</summary>
    /// <value>From 1 to 32768. The default value is 10.</value>
    public int IvfFlatProbes { get; set => field = OptionRange.Check(value, 1, 32768); } = 10;

    /// <summary>
    /// Gets or sets the batch size from which a batch upsert into a collection holding fewer rows than the batch is a
    /// bulk load: the collection's HNSW and IVFFlat indexes are dropped, the rows merged, and the indexes built again on
    /// the loaded rows, in the same transaction (pgvector's advice: building an index on loaded rows is several times
    /// faster than inserting each row into it, and IVFFlat learns its clusters from the rows present).
    /// </summary>
    /// <value>
    /// Zero (never) or more. The default value is 10,000. While a bulk load's transaction runs, other sessions cannot read
    /// the collection's table (dropping an index locks it); they wait and then see the whole batch. Smaller batches, and
    /// batches into a table that already holds as many rows, are merged into the existing indexes and never block readers.
    /// </value>
    public int BulkLoadRows { get; set => field = OptionRange.Check(value, 0); } = 10_000;

    /// <summary>
    /// Gets or sets the most memory (PostgreSQL's <c>maintenance_work_mem</c>, in megabytes) a bulk load's index build may
    /// take. The build asks for what the collection's vectors and graph need, within this limit, and never less than the
    /// server's own setting; a graph larger than the memory is still built, more slowly (pgvector switches to an on-disk build).
    /// </summary>
    /// <value>From 1 to 2,097,151 (PostgreSQL's limit). The default value is 1,024 (1 GB).</value>
    public int MaxIndexBuildMemoryMegabytes { get; set => field = OptionRange.Check(value, 1, 2_097_151); } = 1024;

    /// <summary>Gets or sets the PostgreSQL text search configuration of full-text indexes and keyword search (<c>english</c>, <c>simple</c>, <c>german</c>, …).</summary>
    /// <value>A configuration name of lower-case ASCII letters, digits and underscores. The default value is <c>english</c>.</value>
    /// <exception cref="ArgumentException">The value is not such a name.</exception>
    public string TextSearchConfiguration
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            if (!value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                throw new ArgumentException($"The text search configuration '{value}' is not a name of lower-case ASCII letters, digits and underscores.", nameof(value));
            }

            field = value;
        }
    } = "english";

    /// <summary>Gets or sets the <c>k</c> of the reciprocal rank fusion of hybrid search (larger: flatter difference between top and lower ranks).</summary>
    /// <value>Zero or more. The default value is 60 (<see cref="Llm.Stack.VectorIndex.RankFusion.DefaultK"/>).</value>
    public int HybridRankConstant { get; set => field = OptionRange.Check(value, 0); } = Llm.Stack.VectorIndex.RankFusion.DefaultK;

    internal PostgresVectorStoreOptions Clone() => (PostgresVectorStoreOptions)MemberwiseClone();
}
