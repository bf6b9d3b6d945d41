using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>README.md's "Scaling out" snippet, verbatim, run against the real server.</summary>
[Collection(PostgresServerGroup.Name)]
public sealed class ReadmeScalingOutTests(PostgresServer server)
{
    [Fact]
    public async Task The_postgres_store_holds_the_ingestion_pipelines_chunk_records()
    {
        string connectionString = server.ConnectionString;
        using (var probe = new Llm.Stack.Postgres.PostgresVectorStore(connectionString))
        {
            // The test drops the table afterwards: never one it did not create.
            Assert.False(await probe.CollectionExistsAsync("documents"), "The test server already has a 'documents' table; the tests need a throw-away server (eng/start-postgres.sh).");
        }


        // README: Scaling out
        var services = new ServiceCollection();
        services.AddLlmStack().AddPostgresVectorStore(connectionString);  // or LlmStack:VectorStore:Provider = postgres
        await using ServiceProvider provider = services.BuildServiceProvider();

        VectorStore store = provider.GetRequiredService<VectorStore>();
        var chunks = store.GetCollection<string, ChunkRecord>("documents", ChunkRecord.CreateDefinition(384));
        await chunks.EnsureCollectionExistsAsync();  // table "documents": vector(384) with an HNSW index, full-text index on Text
        // README: end

        try
        {
            float[] vector = [.. Enumerable.Range(0, 384).Select(i => (float)Math.Sin(i))];
            await chunks.UpsertAsync(new ChunkRecord { Key = "doc#0", DocumentId = "doc", Text = "Eyjafjallajokull erupted in 2010.", DocumentVersion = 1, Embedding = vector });
            VectorSearchResult<ChunkRecord> hit = Assert.Single(await chunks.SearchAsync(vector, 3).ToListAsync());
            Assert.Equal("doc#0", hit.Record.Key);
            Assert.Equal(1.0, hit.Score!.Value, 1e-5);
            var hybrid = (IKeywordHybridSearchable<ChunkRecord>)chunks;
            Assert.Equal("doc", Assert.Single(await hybrid.HybridSearchAsync(vector, ["erupted"], 3).ToListAsync()).Record.DocumentId);
        }
        finally
        {
            await chunks.EnsureCollectionDeletedAsync();
        }
    }
}
