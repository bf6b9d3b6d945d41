using Llm.Stack.VectorIndex;

namespace Llm.Stack;

/// <summary>The vector store settings under <c>LlmStack:VectorStore</c>.</summary>
public sealed class VectorStoreSettings
{
    /// <summary>Gets or sets the provider of the vector store.</summary>
    /// <value>
    /// A name a package registered: <c>inmemory</c> (the SIMD in-memory index, persisted under the data directory;
    /// <c>AddInMemoryVectorStoreProvider()</c>), <c>postgres</c> (PostgreSQL with pgvector on <see cref="ConnectionString"/>;
    /// <c>AddPostgresVectorStoreProvider()</c>) or <c>chroma</c> (a Chroma server at <see cref="Endpoint"/>;
    /// <c>AddChromaVectorStoreProvider()</c>). The default value is <see langword="null"/>: configuration registers no
    /// store, and <c>AddLocalDefaults</c> uses its persisted index.
    /// </value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the name of the collection documents are ingested into.</summary>
    /// <value>The default value is <c>documents</c>.</value>
    public string CollectionName { get; set; } = "documents";

    /// <summary>Gets or sets the index kind of the in-memory store's vector properties.</summary>
    /// <value>
    /// <c>flat</c> (exact search) or <c>hnsw</c> (an approximate HNSW graph: much faster on large collections, recall
    /// tuned by <c>EfSearch</c>). An existing flat index is indexed with HNSW when it is next loaded. The default value is <c>flat</c>.
    /// </value>
    public string IndexKind { get; set; } = "flat";

    /// <summary>The value of <see cref="IngestionState"/> that keeps the ingestion state in the vector store.</summary>
    public const string StoreIngestionState = "store";

    /// <summary>The value of <see cref="IngestionState"/> that keeps the ingestion state in a file of the data directory.</summary>
    public const string FileIngestionState = "file";

    /// <summary>Gets or sets where the local defaults keep the ingestion state (document ids, versions, content hashes, chunk keys).</summary>
    /// <value>
    /// <c>file</c>: a file of the data directory, which suits one machine. <c>store</c>: a collection of the vector store
    /// beside the chunks (<c>{CollectionName}_state</c>), so that ingestions on several machines into one server agree on
    /// what is indexed and a killed one is resumed by the next; it needs a <see cref="Provider"/> that keeps the chunks
    /// itself, such as <c>postgres</c> or <c>chroma</c>. The default value is <c>file</c>.
    /// </value>
    public string IngestionState { get; set; } = FileIngestionState;

    /// <summary>Gets or sets the endpoint of a vector database server; required when <see cref="Provider"/> is <c>chroma</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the Chroma tenant that holds <see cref="Database"/>.</summary>
    /// <value>The default value is <see langword="null"/>: Chroma's <c>default_tenant</c>.</value>
    public string? Tenant { get; set; }

    /// <summary>Gets or sets the Chroma database that holds the collections.</summary>
    /// <value>The default value is <see langword="null"/>: Chroma's <c>default_database</c>.</value>
    public string? Database { get; set; }

    /// <summary>Gets or sets the token sent to a Chroma server with token authentication (in the <c>X-Chroma-Token</c> header).</summary>
    /// <value>The default value is <see langword="null"/>: no token. It is never written to messages or logs.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the connection string of a database server; required when <see cref="Provider"/> is <c>postgres</c>.</summary>
    /// <value>An Npgsql connection string for <c>postgres</c>, such as <c>Host=127.0.0.1;Port=5432;Username=app;Password=…;Database=app</c>. It is never written to messages or logs.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets how the in-memory index compresses vectors for the first pass of a search.</summary>
    /// <value>The default value is <see cref="VectorQuantization.None"/>: exact float32 search.</value>
    public VectorQuantization Quantization { get; set; }
}
