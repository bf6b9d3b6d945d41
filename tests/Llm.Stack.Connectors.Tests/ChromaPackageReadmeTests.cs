using Llm.Stack.Chroma;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using Hotel = Llm.Stack.Connectors.Tests.PackageReadmeTests.Hotel;

namespace Llm.Stack.Connectors.Tests;

/// <summary>src/Llm.Stack.Chroma/README.md's snippet, verbatim, run against the real server.</summary>
[Collection(ChromaServerGroup.Name)]
public sealed class ChromaPackageReadmeTests(ChromaServer server)
{
    [Fact]
    public async Task The_package_README_example_stores_and_searches_hotels()
    {
        Uri endpoint = server.Endpoint;
        using (var probe = new ChromaVectorStore(endpoint))
        {
            // The test deletes the collection afterwards: never one it did not create.
            Assert.False(await probe.CollectionExistsAsync("hotels"), "The test server already has a 'hotels' collection; the tests need a throw-away server (eng/start-chroma.sh).");
        }

        var services = new ServiceCollection();
        var records = HotelExample.Records();
        ReadOnlyMemory<float> queryVector = HotelExample.QueryVector;
        string[] names = await HotelExample.PrintedNamesAsync(async () =>
        {
            // README: Llm.Stack.Chroma
            // endpoint: new Uri("http://127.0.0.1:8000")
            services.AddLlmStack().AddChromaVectorStore(endpoint, o => o.Database = "default_database");

            using var store = new ChromaVectorStore(endpoint);
            var hotels = store.GetCollection<string, Hotel>("hotels");   // attributes or a VectorStoreCollectionDefinition
            await hotels.EnsureCollectionExistsAsync();                  // get-or-create, HNSW space from the distance function
            await hotels.UpsertAsync(records);                           // batches of at most MaxBatchSize records
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
}
