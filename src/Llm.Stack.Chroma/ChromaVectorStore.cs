using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Chroma;

/// <summary>
/// A <see cref="VectorStore"/> on a Chroma server, over Chroma's HTTP API v2: the collections of one database of one
/// tenant (<see cref="ChromaVectorStoreOptions.Tenant"/>, <see cref="ChromaVectorStoreOptions.Database"/>).
/// </summary>
/// <remarks>
/// <para>HTTP: a store created on an endpoint owns one <see cref="HttpClient"/> (pooled connections, recycled every
/// two minutes) and disposes it; a store created on an <see cref="IHttpClientFactory"/> asks it for the client named by
/// <see cref="ChromaVectorStoreOptions.HttpClientName"/> for every request, as the factory intends. Transient failures
/// (connection refused or reset, timeouts, HTTP 429, 500, 502, 503, 504) are retried
/// (<see cref="ChromaVectorStoreOptions.MaxRetries"/>), so a server restart between two calls is invisible.</para>
/// <para>Errors of the server or the connection surface as <see cref="VectorStoreException"/> whose message names the
/// endpoint, tenant and database (never the token).</para>
/// <para>Thread-safety: the store and its collections are safe to use from any number of threads at once.</para>
/// </remarks>
public sealed class ChromaVectorStore : VectorStore
{
    internal const string SystemName = "chroma";

    private readonly HttpClient? _ownedClient;
    private readonly ChromaVectorStoreOptions _options;
    private readonly VectorStoreMetadata _metadata;
    private int _databaseChecked;

    /// <summary>Initializes a new instance of the <see cref="ChromaVectorStore"/> class with default options that owns an <see cref="HttpClient"/> to <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The server, such as <c>http://127.0.0.1:8000</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not an absolute http or https URI.</exception>
    public ChromaVectorStore(Uri endpoint)
        : this(endpoint, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ChromaVectorStore"/> class that owns an <see cref="HttpClient"/> to <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The server, such as <c>http://127.0.0.1:8000</c>.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not an absolute http or https URI.</exception>
    public ChromaVectorStore(Uri endpoint, ChromaVectorStoreOptions? options)
    {
        CheckEndpoint(endpoint);
        _options = (options ?? new ChromaVectorStoreOptions()).Clone();
        _ownedClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }, disposeHandler: true);
        HttpClient client = _ownedClient;
        Client = new ChromaClient(() => client, endpoint, _options);
        Endpoint = endpoint;
        _metadata = new VectorStoreMetadata { VectorStoreSystemName = SystemName, VectorStoreName = _options.Database };
    }

    /// <summary>Initializes a new instance of the <see cref="ChromaVectorStore"/> class that asks <paramref name="httpClientFactory"/> for its clients.</summary>
    /// <param name="httpClientFactory">The factory; the client named <see cref="ChromaVectorStoreOptions.HttpClientName"/> is created for every request.</param>
    /// <param name="endpoint">The server, such as <c>http://127.0.0.1:8000</c>.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="httpClientFactory"/> or <paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not an absolute http or https URI.</exception>
    public ChromaVectorStore(IHttpClientFactory httpClientFactory, Uri endpoint, ChromaVectorStoreOptions? options)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        CheckEndpoint(endpoint);
        _options = (options ?? new ChromaVectorStoreOptions()).Clone();
        string name = _options.HttpClientName;
        Client = new ChromaClient(() => httpClientFactory.CreateClient(name), endpoint, _options);
        Endpoint = endpoint;
        _metadata = new VectorStoreMetadata { VectorStoreSystemName = SystemName, VectorStoreName = _options.Database };
    }

    /// <summary>Gets the server the store works on.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the tenant that holds the database.</summary>
    public string Tenant => _options.Tenant;

    /// <summary>Gets the database that holds the collections.</summary>
    public string Database => _options.Database;

    internal ChromaClient Client { get; }

    internal ChromaVectorStoreOptions Options => _options;

    /// <inheritdoc />
    /// <remarks>
    /// Any non-empty name is accepted: a name Chroma accepts (3 to 512 characters from <c>[a-zA-Z0-9._-]</c>, starting and
    /// ending with a letter or digit) is the collection's name on the server; any other is stored under a name derived from
    /// its hash, with the name itself in the collection's metadata.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty, or <typeparamref name="TRecord"/> is <c>Dictionary&lt;string, object?&gt;</c> (use <see cref="GetDynamicCollection"/>).</exception>
    public override ChromaVectorCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (typeof(TRecord) == typeof(Dictionary<string, object?>))
        {
            throw new ArgumentException("Use GetDynamicCollection for collections of Dictionary<string, object?> records.", nameof(TRecord));
        }

        return new ChromaVectorCollection<TKey, TRecord>(this, name, definition, dynamic: false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is <see langword="null"/>.</exception>
    public override ChromaVectorCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(definition);
        return new ChromaVectorCollection<object, Dictionary<string, object?>>(this, name, definition, dynamic: true);
    }

    /// <inheritdoc />
    /// <remarks>The names of the database's collections (as given to <see cref="GetCollection{TKey, TRecord}"/>), in ordinal order; none when the database does not exist.</remarks>
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int Page = 1000;
        var names = new List<string>();
        for (int offset = 0; ; offset += Page)
        {
            using JsonDocument? page = await Client.SendAsync(
                HttpMethod.Get, $"{Client.DatabasePath}/collections?limit={Page}&offset={offset}", null, null, "ListCollectionNames", cancellationToken, notFoundIsNull: true).ConfigureAwait(false);
            if (page is null)
            {
                break;
            }

            int count = 0;
            foreach (JsonElement collection in page.RootElement.EnumerateArray())
            {
                count++;
                names.Add(NameOf(collection));
            }

            if (count < Page)
            {
                break;
            }
        }

        names.Sort(StringComparer.Ordinal);
        foreach (string name in names)
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return await FindCollectionAsync(name, "CollectionExists", cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return DeleteCollectionAsync(name, cancellationToken);
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ownedClient?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The collection's id on the server, or <see langword="null"/> when it does not exist (nor its database).</summary>
    internal async Task<string?> FindCollectionAsync(string name, string operation, CancellationToken cancellationToken)
    {
        using JsonDocument? found = await Client.SendAsync(
            HttpMethod.Get, $"{Client.DatabasePath}/collections/{Uri.EscapeDataString(ChromaNames.ServerName(name))}", null, null, operation, cancellationToken, notFoundIsNull: true).ConfigureAwait(false);
        return found?.RootElement.GetProperty("id").GetString();
    }

    internal async Task DeleteCollectionAsync(string name, CancellationToken cancellationToken)
    {
        using JsonDocument? _ = await Client.SendAsync(
            HttpMethod.Delete, $"{Client.DatabasePath}/collections/{Uri.EscapeDataString(ChromaNames.ServerName(name))}", null, null, "EnsureCollectionDeleted", cancellationToken, notFoundIsNull: true).ConfigureAwait(false);
    }

    /// <summary>Creates the tenant and the database when they do not exist (once per store, when <see cref="ChromaVectorStoreOptions.CreateDatabase"/>).</summary>
    internal async Task EnsureDatabaseAsync(string collection, CancellationToken cancellationToken)
    {
        if (!_options.CreateDatabase || Volatile.Read(ref _databaseChecked) != 0)
        {
            return;
        }

        string tenantPath = $"api/v2/tenants/{Uri.EscapeDataString(_options.Tenant)}";
        using (JsonDocument? tenant = await Client.SendAsync(HttpMethod.Get, tenantPath, null, collection, "EnsureCollectionExists", cancellationToken, notFoundIsNull: true).ConfigureAwait(false))
        {
            if (tenant is null)
            {
                using JsonDocument? _ = await Client.SendAsync(
                    HttpMethod.Post, "api/v2/tenants", w => { w.WriteStartObject(); w.WriteString("name", _options.Tenant); w.WriteEndObject(); }, collection, "EnsureCollectionExists", cancellationToken).ConfigureAwait(false);
            }
        }

        using (JsonDocument? database = await Client.SendAsync(HttpMethod.Get, Client.DatabasePath, null, collection, "EnsureCollectionExists", cancellationToken, notFoundIsNull: true).ConfigureAwait(false))
        {
            if (database is null)
            {
                using JsonDocument? _ = await Client.SendAsync(
                    HttpMethod.Post, $"{tenantPath}/databases", w => { w.WriteStartObject(); w.WriteString("name", _options.Database); w.WriteEndObject(); }, collection, "EnsureCollectionExists", cancellationToken).ConfigureAwait(false);
            }
        }

        Volatile.Write(ref _databaseChecked, 1);
    }

    private static string NameOf(JsonElement collection)
    {
        string serverName = collection.GetProperty("name").GetString()!;
        return ChromaNames.IsDerived(serverName)
            && collection.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty(ChromaNames.NameKey, out JsonElement name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()!
            : serverName;
    }

    private static void CheckEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The endpoint '{endpoint}' is not an absolute http or https URI.", nameof(endpoint));
        }
    }
}
