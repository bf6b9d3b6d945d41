using System.Linq.Expressions;
using Llm.Stack.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using Npgsql;

namespace Llm.Stack.Connectors.Tests;

/// <summary>What is particular to PostgreSQL: the schema it creates, SQL built without values, errors naming the endpoint, registration.</summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresVectorStoreTests(PostgresServer server) : IAsyncLifetime
{
    private readonly List<string> _collections = [];
    private PostgresVectorStore? _store;

    private PostgresVectorStore Store => _store ??= new PostgresVectorStore(server.ConnectionString);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (string name in _collections)
        {
            await Store.EnsureCollectionDeletedAsync(name);
        }

        _store?.Dispose();
    }

    [Theory]
    [InlineData(30, 1, 30)]
    [InlineData(30, 1_000, 30)]
    [InlineData(30, 1_001, 60)]
    [InlineData(30, 100_000, 3_000)]
    [InlineData(0, 100_000, 0)]
    public void A_batch_merge_gets_the_command_timeout_per_thousand_rows(int commandTimeout, int rows, int expected)
    {
        // A merge into an HNSW table inserts every row into the graph, which takes minutes for large batches on a small
        // machine (benchmarks/RESULTS.md): one command timeout (30 s by default) for the whole batch made them fail.
        Assert.Equal(expected, PostgresVectorCollection<string, GeneratedKeyRecord>.MergeTimeout(commandTimeout, rows));
    }

    [Fact]
    public async Task A_collection_is_a_table_with_typed_columns_and_the_index_of_its_kind()
    {
        string name = NewName();
        await Store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind.Hnsw, DistanceFunction.EuclideanDistance)).EnsureCollectionExistsAsync();
        string ivf = NewName();
        await Store.GetCollection<string, ConformanceRecord>(ivf, ConformanceData.Definition(IndexKind.IvfFlat, DistanceFunction.DotProductSimilarity)).EnsureCollectionExistsAsync();

        Dictionary<string, string> columns = await QueryPairsAsync(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
            PostgresSql.Table("public", name));
        Assert.Equal("text", columns["Key"]);
        Assert.Equal("integer", columns["Number"]);
        Assert.Equal("bigint", columns["Big"]);
        Assert.Equal("double precision", columns["Price"]);
        Assert.Equal("boolean", columns["Flag"]);
        Assert.Equal("text[]", columns["Tags"]);
        Assert.Equal("integer[]", columns["Scores"]);
        Assert.Equal("timestamp with time zone", columns["When"]);
        Assert.Equal("uuid", columns["Reference"]);
        Assert.Equal("vector(8)", columns["Vector"]);

        List<string> indexes = [.. (await QueryPairsAsync("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", name)).Values];
        Assert.Contains(indexes, d => d.Contains("USING hnsw (\"Vector\" vector_l2_ops)", StringComparison.Ordinal) && d.Contains("m='16'", StringComparison.Ordinal));
        Assert.Contains(indexes, d => d.Contains("USING btree (\"Category\")", StringComparison.Ordinal));
        Assert.Contains(indexes, d => d.Contains("USING gin (to_tsvector('english'::regconfig", StringComparison.Ordinal));
        List<string> ivfIndexes = [.. (await QueryPairsAsync("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", ivf)).Values];
        Assert.Contains(ivfIndexes, d => d.Contains("USING ivfflat (\"Vector\" vector_ip_ops) WITH (lists='100')", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(IndexKind.Hnsw, "hnsw")]
    [InlineData(IndexKind.IvfFlat, "ivfflat")]
    public async Task A_bulk_load_builds_the_vector_index_after_the_rows_and_smaller_batches_merge_into_it(string indexKind, string method)
    {
        using var store = new PostgresVectorStore(server.ConnectionString, new PostgresVectorStoreOptions { BulkLoadRows = 100 });
        string name = NewName();
        VectorStoreCollection<string, ConformanceRecord> collection = store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(indexKind));
        await collection.EnsureCollectionExistsAsync();
        List<ConformanceRecord> records = ConformanceData.Records(450);
        Dictionary<string, string> created = await IndexesAsync(name);

        // 300 rows into an empty table: a bulk load. The vector index is a new one, built on the rows, with the same
        // definition; the other indexes are the same as before.
        await collection.UpsertAsync(records.Take(300));
        Dictionary<string, string> loaded = await IndexesAsync(name);
        Assert.Equal(created.Count, loaded.Count);
        string vectorIndex = Assert.Single(created, i => i.Value.Contains("USING " + method, StringComparison.Ordinal)).Key;
        string rebuilt = Assert.Single(loaded, i => i.Value.Contains("USING " + method, StringComparison.Ordinal)).Key;
        Assert.NotEqual(vectorIndex, rebuilt);
        Assert.Equal(created.Where(i => i.Key != vectorIndex).Select(i => i.Value).Order(), loaded.Where(i => i.Key != rebuilt).Select(i => i.Value).Order());
        Assert.Equal(created[vectorIndex], loaded[rebuilt]);

        // 150 rows into a table of 300: merged into the index as it is.
        await collection.UpsertAsync(records.Skip(300));
        Assert.Equal(loaded.Keys.Order(), (await IndexesAsync(name)).Keys.Order());

        Assert.Equal(450, (await collection.GetAsync(records.Select(r => r.Key)).ToListAsync()).Count);
        foreach (ConformanceRecord record in records.Where((_, i) => i % 45 == 0))
        {
            VectorSearchResult<ConformanceRecord> nearest = await collection.SearchAsync(record.Vector!.Value, 1).SingleAsync();
            Assert.Equal(record.Key, nearest.Record.Key);
        }
    }

    [Fact]
    public async Task Bulk_loads_can_be_turned_off()
    {
        using var store = new PostgresVectorStore(server.ConnectionString, new PostgresVectorStoreOptions { BulkLoadRows = 0 });
        string name = NewName();
        VectorStoreCollection<string, ConformanceRecord> collection = store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind.Hnsw));
        await collection.EnsureCollectionExistsAsync();
        Dictionary<string, string> created = await IndexesAsync(name);

        await collection.UpsertAsync(ConformanceData.Records(300));

        Assert.Equal(created.Keys.Order(), (await IndexesAsync(name)).Keys.Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresVectorStoreOptions { BulkLoadRows = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresVectorStoreOptions { MaxIndexBuildMemoryMegabytes = 0 });
    }

    [Fact]
    public void Filters_become_SQL_with_every_value_a_parameter()
    {
        CollectionModelProbe probe = new(Store);
        string hostile = ConformanceData.Hostile[0];
        string[] many = ["a", "b'c"];
        Expression<Func<ConformanceRecord, bool>> filter = r => (r.Category == hostile || many.Contains(r.Category)) && r.Tags.Contains("x'y") && r.Number > 3 && r.Note != null;
        var parameters = new List<NpgsqlParameter>();
        string sql = PostgresFilterTranslator.Translate(filter, probe.Model, parameters);

        Assert.Equal("(((((\"Category\" = $1) OR (\"Category\" = ANY($2))) AND ($3 = ANY(\"Tags\"))) AND (\"Number\" > $4)) AND (\"Note\" IS NOT NULL))", sql);
        Assert.Equal([hostile, many, "x'y", 3], parameters.Select(p => p.Value));
    }

    [Fact]
    public async Task A_server_that_does_not_answer_gives_a_VectorStoreException_naming_the_endpoint()
    {
        int port = FreePort();
        using var store = new PostgresVectorStore($"Host=127.0.0.1;Port={port};Username=postgres;Password=secret-value;Timeout=3");
        VectorStoreCollection<string, ConformanceRecord> collection = store.GetCollection<string, ConformanceRecord>("docs", ConformanceData.Definition(IndexKind.Hnsw));
        VectorStoreException e = await Assert.ThrowsAsync<VectorStoreException>(() => collection.EnsureCollectionExistsAsync());
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", e.Message, StringComparison.Ordinal);
        Assert.Equal("docs", e.CollectionName);
        Assert.Equal("postgresql", e.VectorStoreSystemName);
        await Assert.ThrowsAsync<VectorStoreException>(() => store.ListCollectionNamesAsync().ToListAsync().AsTask());
    }

    [Fact]
    public async Task The_store_recovers_after_a_server_restart()
    {
        string name = NewName();
        VectorStoreCollection<string, ConformanceRecord> collection = Store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind.Hnsw));
        await collection.EnsureCollectionExistsAsync();
        List<ConformanceRecord> records = ConformanceData.Records(50);
        await collection.UpsertAsync(records.Take(25));
        Assert.Equal(10, (await collection.SearchAsync(records[0].Vector!.Value, 10).ToListAsync()).Count); // the pool holds open connections now

        await server.RestartAsync();

        // The pooled connections the server closed are replaced, and nothing written before is lost.
        Assert.Equal(10, (await collection.SearchAsync(records[0].Vector!.Value, 10).ToListAsync()).Count);
        await collection.UpsertAsync(records.Skip(25));
        Assert.Equal(50, (await collection.GetAsync(records.Select(r => r.Key)).ToListAsync()).Count);
    }

    [Fact]
    public void Names_PostgreSQL_would_truncate_or_cannot_hold_are_refused()
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => Store.GetCollection<string, ConformanceRecord>(new string('a', 64), ConformanceData.Definition(IndexKind.Hnsw))).ParamName);
        Assert.Throws<ArgumentException>(() => Store.GetCollection<string, ConformanceRecord>("a\0b", ConformanceData.Definition(IndexKind.Hnsw)));
        Assert.Throws<ArgumentException>(() => new PostgresVectorStoreOptions { TextSearchConfiguration = "english'); DROP TABLE x; --" });
        Assert.Throws<ArgumentException>(() => new PostgresVectorStoreOptions { Schema = string.Empty });
    }

    [Fact]
    public async Task Dynamic_collections_and_generated_Guid_keys_work()
    {
        string name = NewName();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Id", typeof(Guid)),
                new VectorStoreDataProperty("Title", typeof(string)),
                new VectorStoreVectorProperty("Embedding", typeof(ReadOnlyMemory<float>), 3) { DistanceFunction = DistanceFunction.CosineDistance },
            ],
        };
        VectorStoreCollection<object, Dictionary<string, object?>> collection = Store.GetDynamicCollection(name, definition);
        await collection.EnsureCollectionExistsAsync();
        Guid id = Guid.NewGuid();
        await collection.UpsertAsync(new Dictionary<string, object?> { ["Id"] = id, ["Title"] = "first", ["Embedding"] = new ReadOnlyMemory<float>([1, 0, 0]) });
        Dictionary<string, object?>? found = await collection.GetAsync(id);
        Assert.Equal("first", found!["Title"]);
        VectorSearchResult<Dictionary<string, object?>> best = (await collection.SearchAsync(new ReadOnlyMemory<float>([1, 0.1f, 0]), 1).ToListAsync())[0];
        Assert.Equal(id, best.Record["Id"]);

        string guidName = NewName();
        VectorStoreCollection<Guid, GeneratedKeyRecord> generated = Store.GetCollection<Guid, GeneratedKeyRecord>(guidName);
        _collections.Add(guidName);
        await generated.EnsureCollectionExistsAsync();
        var record = new GeneratedKeyRecord { Text = "auto", Vector = new float[] { 0, 1, 0 } };
        await generated.UpsertAsync(record);
        Assert.NotEqual(Guid.Empty, record.Id);
        Assert.Equal("auto", (await generated.GetAsync(record.Id))!.Text);
    }

    [Fact]
    public async Task The_postgres_provider_is_configured_by_LlmStack_VectorStore_keys()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:VectorStore:Provider"] = "postgres",
            ["LlmStack:VectorStore:ConnectionString"] = server.ConnectionString,
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddPostgresVectorStoreProvider();
        await using ServiceProvider provider = services.BuildServiceProvider();
        var store = Assert.IsType<PostgresVectorStore>(provider.GetRequiredService<VectorStore>());
        Assert.False(await store.CollectionExistsAsync(NewName()));

        IConfiguration missing = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["LlmStack:VectorStore:Provider"] = "postgres" }).Build();
        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(missing).AddPostgresVectorStoreProvider());
        Assert.Contains("LlmStack:VectorStore:ConnectionString is required", e.Message, StringComparison.Ordinal);

        var unregistered = new ServiceCollection();
        unregistered.AddLlmStack(configuration);
        await using ServiceProvider unregisteredProvider = unregistered.BuildServiceProvider();
        Exception notRegistered = Assert.ThrowsAny<Exception>(() => unregisteredProvider.GetRequiredService<VectorStore>());
        Assert.Contains("AddPostgresVectorStoreProvider()", notRegistered.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.ConnectionString, notRegistered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_registrations_plain_and_keyed_resolve_working_stores()
    {
        var services = new ServiceCollection();
        services.AddLlmStack()
            .AddPostgresVectorStore(server.ConnectionString, o => o.HnswEfSearch = 80)
            .AddKeyedPostgresVectorStore("archive", server.ConnectionString, o => o.Schema = "public");
        await using ServiceProvider provider = services.BuildServiceProvider();
        var store = Assert.IsType<PostgresVectorStore>(provider.GetRequiredService<VectorStore>());
        var keyed = Assert.IsType<PostgresVectorStore>(provider.GetRequiredKeyedService<VectorStore>("archive"));
        Assert.NotSame(store, keyed);
        Assert.Same(keyed, provider.GetRequiredKeyedService<PostgresVectorStore>("archive"));
        Assert.False(await keyed.CollectionExistsAsync(NewName()));
    }

    private string NewName()
    {
        string name = "pg_" + Guid.NewGuid().ToString("N")[..12];
        _collections.Add(name);
        return name;
    }

    /// <summary>The indexes of a collection's table: their object ids (a rebuilt index has a new one) and definitions.</summary>
    private Task<Dictionary<string, string>> IndexesAsync(string table)
        => QueryPairsAsync("SELECT i.indexrelid::bigint::text, pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass($1)", PostgresSql.Table("public", table));

    private async Task<Dictionary<string, string>> QueryPairsAsync(string sql, string argument)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = argument });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var pairs = new Dictionary<string, string>();
        while (await reader.ReadAsync())
        {
            pairs[reader.GetString(0)] = reader.GetString(1);
        }

        return pairs;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public sealed class GeneratedKeyRecord
    {
        [VectorStoreKey(IsAutoGenerated = true)]
        public Guid Id { get; set; }

        [VectorStoreData]
        public string Text { get; set; } = string.Empty;

        [VectorStoreVector(3)]
        public float[]? Vector { get; set; }
    }

    /// <summary>The model a collection of <see cref="ConformanceRecord"/> is built with.</summary>
    private sealed class CollectionModelProbe(PostgresVectorStore store)
    {
        public Microsoft.Extensions.VectorData.ProviderServices.CollectionModel Model { get; } =
            new PostgresModelBuilder().Build(typeof(ConformanceRecord), typeof(string), ConformanceData.Definition(IndexKind.Hnsw), store.Options.EmbeddingGenerator);
    }
}
