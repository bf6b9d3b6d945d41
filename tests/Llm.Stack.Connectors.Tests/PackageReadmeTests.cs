using Llm.Stack.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>src/Llm.Stack.Postgres/README.md's snippet, verbatim, run against the real server.</summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PackageReadmeTests(PostgresServer server)
{
    [Fact]
    public async Task The_package_README_example_stores_and_searches_hotels()
    {
        string connectionString = server.ConnectionString;
        using (var probe = new PostgresVectorStore(connectionString))
        {
            // The test drops the table afterwards: never one it did not create.
            Assert.False(await probe.CollectionExistsAsync("hotels"), "The test server already has a 'hotels' table; the tests need a throw-away server (eng/start-postgres.sh).");
        }

        var services = new ServiceCollection();
        var records = HotelExample.Records();
        ReadOnlyMemory<float> queryVector = HotelExample.QueryVector;
        string[] names = await HotelExample.PrintedNamesAsync(async () =>
        {
            // README: Llm.Stack.Postgres
            // connectionString: "Host=127.0.0.1;Port=5432;Username=app;Password=…;Database=app"
            services.AddLlmStack().AddPostgresVectorStore(connectionString);

            using var store = new PostgresVectorStore(connectionString);
            var hotels = store.GetCollection<string, Hotel>("hotels");   // attributes or a VectorStoreCollectionDefinition
            await hotels.EnsureCollectionExistsAsync();                  // CREATE TABLE "public"."hotels" (…) and its indexes
            await hotels.UpsertAsync(records);                           // binary COPY + INSERT … ON CONFLICT, one transaction
            await foreach (var hit in hotels.SearchAsync(queryVector, top: 5, new() { Filter = h => h.Rating >= 4 }))
            {
                Console.WriteLine($"{hit.Record.Name} {hit.Score}");
            }
            // README: end

            await hotels.EnsureCollectionDeletedAsync();
        });

        Assert.Equal(["Harbour", "Hill"], names);
        Assert.Single(services, d => d.ServiceType == typeof(VectorStore));
    }

    public sealed class Hotel
    {
        [VectorStoreKey]
        public string Id { get; set; } = string.Empty;

        [VectorStoreData]
        public string Name { get; set; } = string.Empty;

        [VectorStoreData(IsIndexed = true)]
        public int Rating { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }
}
