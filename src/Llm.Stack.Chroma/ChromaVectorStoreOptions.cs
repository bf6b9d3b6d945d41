using Microsoft.Extensions.AI;

namespace Llm.Stack.Chroma;

/// <summary>Options of a <see cref="ChromaVectorStore"/>.</summary>
/// <remarks>The store copies the options when it is created: later changes to this instance do not affect it.</remarks>
public sealed class ChromaVectorStoreOptions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> the store asks <c>IHttpClientFactory</c> for.</summary>
    public const string DefaultHttpClientName = "Llm.Stack.Chroma";

    /// <summary>Gets or sets the Chroma tenant that holds the database.</summary>
    /// <value>The default value is <c>default_tenant</c>, the tenant every Chroma server has.</value>
    public string Tenant
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "default_tenant";

    /// <summary>Gets or sets the Chroma database that holds the collections.</summary>
    /// <value>The default value is <c>default_database</c>, the database every Chroma server has.</value>
    public string Database
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "default_database";

    /// <summary>Gets or sets whether creating a collection also creates its tenant and database when they do not exist.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Gets or sets the token sent with every request, for a server with token authentication; never written to messages or logs.</summary>
    /// <value>The default value is <see langword="null"/>: no authentication header.</value>
    public string? AuthToken { get; set; }

    /// <summary>Gets or sets the header that carries <see cref="AuthToken"/>.</summary>
    /// <value>
    /// <c>X-Chroma-Token</c> (the token as is) or <c>Authorization</c> (sent as <c>Bearer</c> token): the two headers
    /// Chroma's token authentication reads. The default value is <c>X-Chroma-Token</c>.
    /// </value>
    public string AuthHeader
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "X-Chroma-Token";

    /// <summary>Gets or sets how many times a request that failed transiently is repeated.</summary>
    /// <value>
    /// Transient failures are a refused or reset connection, a timeout, and the HTTP statuses 429, 500, 502, 503 and 504 (Chroma
    /// answers 500 to a query that races the first write of a collection's index). Every
    /// request the store makes is safe to repeat (reads, upserts and deletes by key, idempotent creation). The default
    /// value is 3; 0 disables retries.
    /// </value>
    public int MaxRetries { get; set => field = OptionRange.Check(value, 0, 10); } = 3;

    /// <summary>Gets or sets the delay before the first retry; each further retry waits twice as long (a <c>Retry-After</c> header of the server wins).</summary>
    /// <value>The default value is 200 milliseconds.</value>
    public TimeSpan RetryDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(1));
            field = value;
        }
    } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the most records one request carries; larger upserts, gets and deletes are split.</summary>
    /// <value>The server's own limit (its <c>max_batch_size</c>) caps it. The default value is 1,000.</value>
    public int MaxBatchSize { get; set => field = OptionRange.Check(value, 1); } = 1000;

    /// <summary>Gets or sets the name of the client the store asks <c>IHttpClientFactory</c> for, when it was given a factory.</summary>
    /// <value>The default value is <see cref="DefaultHttpClientName"/>.</value>
    public string HttpClientName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = DefaultHttpClientName;

    /// <summary>Gets or sets the embedding generator of vector properties whose values are not vectors (text, for example), unless a property names its own.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    internal ChromaVectorStoreOptions Clone() => (ChromaVectorStoreOptions)MemberwiseClone();
}
