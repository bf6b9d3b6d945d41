using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Llm.Stack.Chroma;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>What is particular to Chroma: errors naming the endpoint, restart recovery, retries, batching, the auth header, tenants and databases, registration.</summary>
[Collection(ChromaServerGroup.Name)]
public sealed class ChromaVectorStoreTests(ChromaServer server) : IAsyncLifetime
{
    private readonly List<string> _collections = [];
    private ChromaVectorStore? _store;

    private ChromaVectorStore Store => _store ??= new ChromaVectorStore(server.Endpoint);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (string name in _collections)
        {
            await Store.EnsureCollectionDeletedAsync(name);
        }

        _store?.Dispose();
    }

    [Fact]
    public async Task A_server_that_does_not_answer_gives_a_VectorStoreException_naming_the_endpoint()
    {
        int port = FreePort();
        using var store = new ChromaVectorStore(new Uri($"http://127.0.0.1:{port}"), new ChromaVectorStoreOptions { MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(10), AuthToken = "secret-token" });
        VectorStoreCollection<string, ConformanceRecord> collection = store.GetCollection<string, ConformanceRecord>("unreachable", ConformanceData.Definition(IndexKind.Hnsw));

        VectorStoreException e = await Assert.ThrowsAsync<VectorStoreException>(() => collection.EnsureCollectionExistsAsync());
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("default_database", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", e.Message, StringComparison.Ordinal);
        Assert.Equal("chroma", e.VectorStoreSystemName);
        Assert.Equal("unreachable", e.CollectionName);

        e = await Assert.ThrowsAsync<VectorStoreException>(() => store.ListCollectionNamesAsync().ToListAsync().AsTask());
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<VectorStoreException>(() => collection.GetAsync("k"));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_recover_after_the_server_restarts_and_nothing_is_lost()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync(Store);
        List<ConformanceRecord> records = ConformanceData.Records(300);
        await collection.UpsertAsync(records);

        await server.RestartAsync();

        // The pooled connections died with the server: the first calls reconnect (retries), and every record is there.
        Assert.Equal(records.Count, (await collection.GetAsync(records.Select(r => r.Key)).ToListAsync()).Count);
        List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(records[5].Vector!.Value, 3).ToListAsync();
        Assert.Equal(records[5].Key, found[0].Record.Key);
        await collection.UpsertAsync(ConformanceData.Records(310).Skip(300));
        Assert.Equal(310, (await collection.GetAsync(r => r.Number >= 0, 1000).ToListAsync()).Count);
    }

    [Fact]
    public async Task Transient_errors_are_retried_and_the_token_is_sent_in_the_header()
    {
        var handler = new RecordingHandler { FailFirst = 2 };
        using var factory = new HandlerFactory(handler);
        using var store = new ChromaVectorStore(factory, server.Endpoint, new ChromaVectorStoreOptions { AuthToken = "t0ken", RetryDelay = TimeSpan.FromMilliseconds(10) });
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync(store);
        await collection.UpsertAsync(ConformanceData.Records(5));

        Assert.Equal(5, (await collection.GetAsync(r => r.Number >= 0, 10).ToListAsync()).Count);
        Assert.Equal(2, handler.Failed);
        Assert.All(handler.Tokens, t => Assert.Equal("t0ken", t));
        Assert.Equal(ChromaVectorStoreOptions.DefaultHttpClientName, Assert.Single(factory.Names.Distinct()));

        var bearer = new RecordingHandler();
        using var bearerFactory = new HandlerFactory(bearer);
        using var bearerStore = new ChromaVectorStore(bearerFactory, server.Endpoint, new ChromaVectorStoreOptions { AuthToken = "t0ken", AuthHeader = "Authorization" });
        _ = await bearerStore.ListCollectionNamesAsync().ToListAsync();
        Assert.Equal("Bearer t0ken", Assert.Single(bearer.Authorizations.Distinct()));
    }

    [Fact]
    public async Task Large_upserts_gets_and_deletes_are_split_into_batches()
    {
        using var store = new ChromaVectorStore(server.Endpoint, new ChromaVectorStoreOptions { MaxBatchSize = 7 });
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync(store);
        List<ConformanceRecord> records = ConformanceData.Records(50);
        await collection.UpsertAsync(records);

        Assert.Equal(50, (await collection.GetAsync(records.Select(r => r.Key)).ToListAsync()).Count);
        Assert.Equal(50, (await collection.GetAsync(r => r.Number >= 0, 100).ToListAsync()).Count);
        await collection.DeleteAsync(records.Take(45).Select(r => r.Key));
        Assert.Equal(records.Skip(45).Select(r => r.Key), (await collection.GetAsync(r => r.Number >= 0, 100).ToListAsync()).Select(r => r.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_tenant_and_database_are_created_and_isolate_their_collections()
    {
        string database = "db_" + Guid.NewGuid().ToString("N")[..8];
        using var other = new ChromaVectorStore(server.Endpoint, new ChromaVectorStoreOptions { Tenant = "tenant_" + database, Database = database });
        string name = "shared_" + Guid.NewGuid().ToString("N")[..8];
        VectorStoreCollection<string, ConformanceRecord> there = await CreateAsync(other, name);
        await there.UpsertAsync(ConformanceData.Records(4));

        Assert.False(await Store.CollectionExistsAsync(name));
        Assert.Contains(name, await other.ListCollectionNamesAsync().ToListAsync());
        Assert.Equal(4, (await there.GetAsync(r => r.Number >= 0, 10).ToListAsync()).Count);

        using var missing = new ChromaVectorStore(server.Endpoint, new ChromaVectorStoreOptions { Database = "missing_" + database, CreateDatabase = false });
        VectorStoreException e = await Assert.ThrowsAsync<VectorStoreException>(() => missing.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind.Hnsw)).EnsureCollectionExistsAsync());
        Assert.Contains("missing_" + database, e.Message, StringComparison.Ordinal);
        await there.EnsureCollectionDeletedAsync();
    }

    [Fact]
    public async Task An_existing_collection_with_another_distance_function_is_refused()
    {
        VectorStoreCollection<string, ConformanceRecord> cosine = await CreateAsync(Store);
        VectorStoreCollection<string, ConformanceRecord> euclidean = Store.GetCollection<string, ConformanceRecord>(cosine.Name, ConformanceData.Definition(IndexKind.Hnsw, DistanceFunction.EuclideanDistance));
        VectorStoreException e = await Assert.ThrowsAsync<VectorStoreException>(() => euclidean.EnsureCollectionExistsAsync());
        Assert.Contains("'cosine'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'l2'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_become_where_clauses_with_hostile_values_verbatim()
    {
        var probe = new ChromaModelProbe(Store);
        string hostile = ConformanceData.Hostile[0] + ConformanceData.Hostile[8];
        string[] many = ["a", "b\"c"];
        string where = probe.Where(r => (r.Category == hostile || many.Contains(r.Category)) && !r.Tags.Contains("x'y") && !(r.Number > 3) && r.Note != null);

        Assert.Equal(
            """{"$and":[{"$and":[{"$and":[{"$or":[{"Category":{"$eq":"\u0027; DROP TABLE students; --{\u0022$ne\u0022: null}"}},{"Category":{"$in":["a","b\u0022c"]}}]},{"Tags#has:x\u0027y":{"$ne":true}}]},{"Number":{"$lte":3}}]},{"Note#null":{"$ne":true}}]}""",
            where);
        using JsonDocument parsed = JsonDocument.Parse(where);
        Assert.Equal(hostile, parsed.RootElement.GetProperty("$and")[0].GetProperty("$and")[0].GetProperty("$and")[0].GetProperty("$or")[0].GetProperty("Category").GetProperty("$eq").GetString());
    }

    [Fact]
    public async Task Registration_by_code_keyed_and_by_configuration_gives_working_stores()
    {
        var services = new ServiceCollection();
        services.AddLlmStack().AddChromaVectorStore(server.Endpoint).AddKeyedChromaVectorStore("second", server.Endpoint, o => o.Database = "keyed_db");
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<ChromaVectorStore>(provider.GetRequiredService<VectorStore>());
            Assert.Equal("default_database", store.Database);
            Assert.Equal("keyed_db", Assert.IsType<ChromaVectorStore>(provider.GetRequiredKeyedService<VectorStore>("second")).Database);
            _ = await store.ListCollectionNamesAsync().ToListAsync();
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:VectorStore:Provider"] = "chroma",
            ["LlmStack:VectorStore:Endpoint"] = server.Endpoint.ToString(),
            ["LlmStack:VectorStore:Database"] = "configured_db",
            ["LlmStack:VectorStore:ApiKey"] = "configured-token",
        }).Build();
        var configured = new ServiceCollection();
        configured.AddLlmStack(configuration).AddChromaVectorStoreProvider();
        await using ServiceProvider fromConfiguration = configured.BuildServiceProvider();
        var chroma = Assert.IsType<ChromaVectorStore>(fromConfiguration.GetRequiredService<VectorStore>());
        Assert.Equal("configured_db", chroma.Database);
        string name = "configured_" + Guid.NewGuid().ToString("N")[..8];
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync(chroma, name);
        await collection.UpsertAsync(ConformanceData.Records(2));
        Assert.Equal(2, (await collection.GetAsync(r => r.Number >= 0, 10).ToListAsync()).Count);
        await collection.EnsureCollectionDeletedAsync();
    }

    [Fact]
    public async Task A_collection_without_a_vector_property_stores_records()
    {
        var definition = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(string)), new VectorStoreDataProperty("Hash", typeof(string)) { IsIndexed = true }],
        };
        string name = "novector_" + Guid.NewGuid().ToString("N")[..8];
        _collections.Add(name);
        VectorStoreCollection<object, Dictionary<string, object?>> documents = Store.GetDynamicCollection(name, definition);
        await documents.EnsureCollectionExistsAsync();
        await documents.UpsertAsync([new() { ["Key"] = "a.md", ["Hash"] = "h1" }, new() { ["Key"] = "b.md", ["Hash"] = "h2" }]);

        Assert.Equal("h2", (await documents.GetAsync("b.md"))!["Hash"]);
        Assert.Equal("a.md", Assert.Single(await documents.GetAsync(r => (string)r["Hash"]! == "h1", 10).ToListAsync())["Key"]);
    }

    private sealed class ChromaModelProbe(ChromaVectorStore store)
    {
        private readonly Microsoft.Extensions.VectorData.ProviderServices.CollectionModel _model =
            new ChromaModelBuilder().Build(typeof(ConformanceRecord), typeof(string), ConformanceData.Definition(IndexKind.Hnsw), store.Options.EmbeddingGenerator);

        public string Where(System.Linq.Expressions.Expression<Func<ConformanceRecord, bool>> filter)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                ChromaFilterTranslator.Translate(filter, _model)!.Write(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    private async Task<VectorStoreCollection<string, ConformanceRecord>> CreateAsync(ChromaVectorStore store, string? name = null)
    {
        name ??= "chroma_" + Guid.NewGuid().ToString("N")[..12];
        if (store.Tenant == Store.Tenant && store.Database == Store.Database)
        {
            _collections.Add(name);
        }

        VectorStoreCollection<string, ConformanceRecord> collection = store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind.Hnsw));
        await collection.EnsureCollectionExistsAsync();
        return collection;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Forwards to the real server, records the auth headers, and answers the first <see cref="FailFirst"/> requests with 503 itself.</summary>
    private sealed class RecordingHandler : DelegatingHandler
    {
        private int _failed;

        public RecordingHandler()
            : base(new HttpClientHandler())
        {
        }

        public int FailFirst { get; init; }

        public int Failed => Math.Min(Volatile.Read(ref _failed), FailFirst);

        public ConcurrentBag<string> Tokens { get; } = [];

        public ConcurrentBag<string> Authorizations { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.TryGetValues("X-Chroma-Token", out IEnumerable<string>? tokens))
            {
                Tokens.Add(tokens.Single());
            }

            if (request.Headers.Authorization is { } authorization)
            {
                Authorizations.Add(authorization.ToString());
            }

            return Interlocked.Increment(ref _failed) <= FailFirst
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable))
                : base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class HandlerFactory(HttpMessageHandler handler) : IHttpClientFactory, IDisposable
    {
        public ConcurrentBag<string> Names { get; } = [];

        public HttpClient CreateClient(string name)
        {
            Names.Add(name);
            return new HttpClient(handler, disposeHandler: false);
        }

        public void Dispose() => handler.Dispose();
    }
}
