using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

public sealed class ConcurrencyTests
{
    private const int Dimensions = 16;

    private static Row<int> Make(int key, int version)
    {
        var v = new float[Dimensions];
        Array.Fill(v, version + 1);
        v[key % Dimensions] += 0.5f; // keeps vectors distinct across keys, still checkable
        return new Row<int> { Key = key, Group = version, Vector = v };
    }

    private static void AssertWhole(Row<int> row)
    {
        float[] v = row.Vector.ToArray();
        Assert.Equal(Dimensions, v.Length);
        for (int i = 0; i < Dimensions; i++)
        {
            float expected = row.Group + 1 + (i == row.Key % Dimensions ? 0.5f : 0);
            Assert.True(v[i] == expected, $"torn vector for key {row.Key}: component {i} is {v[i]}, version {row.Group}");
        }
    }

    [Fact]
    public async Task Concurrent_searches_gets_upserts_and_deletes_never_see_torn_vectors_or_half_batches_and_lose_nothing()
    {
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 2 });
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(int)),
                new VectorStoreDataProperty("Group", typeof(int)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), Dimensions) { DistanceFunction = DistanceFunction.EuclideanDistance },
            ],
        };
        InMemoryVectorCollection<int, Row<int>> rows = store.GetCollection<int, Row<int>>("rows", definition);
        await rows.EnsureCollectionExistsAsync();

        const int Writers = 3, BatchSize = 10, Batches = 20, Rounds = 30;
        using var stop = new CancellationTokenSource();
        var finalVersion = new int?[Writers * Batches * BatchSize];

        async Task WriterAsync(int writer)
        {
            var random = new Random(writer);
            for (int round = 0; round < Rounds; round++)
            {
                int batch = random.Next(Batches);
                int first = ((writer * Batches) + batch) * BatchSize;
                int[] keys = [.. Enumerable.Range(first, BatchSize)];
                if (random.Next(4) == 0)
                {
                    await rows.DeleteAsync(keys);
                    foreach (int k in keys)
                    {
                        finalVersion[k] = null;
                    }
                }
                else
                {
                    int version = (round * 10) + writer;
                    await rows.UpsertAsync(keys.Select(k => Make(k, version)));
                    foreach (int k in keys)
                    {
                        finalVersion[k] = version;
                    }
                }

                await Task.Yield();
            }
        }

        async Task ReaderAsync(int reader)
        {
            var random = new Random(100 + reader);
            int checks = 0;
            while (!stop.IsCancellationRequested || checks < 20)
            {
                checks++;
                float[] query = [.. Enumerable.Range(0, Dimensions).Select(_ => (float)random.Next(1, 300))];
                await foreach (VectorSearchResult<Row<int>> hit in rows.SearchAsync(query, 20, new() { IncludeVectors = true, Filter = r => r.Group >= 0 }))
                {
                    AssertWhole(hit.Record);
                }

                // A batch is all-or-nothing: the ten keys of one batch carry one version (or are all absent).
                int writer = random.Next(Writers), batch = random.Next(Batches);
                int first = ((writer * Batches) + batch) * BatchSize;
                List<Row<int>> got = await rows.GetAsync(Enumerable.Range(first, BatchSize), new() { IncludeVectors = true }).ToListAsync();
                Assert.True(got.Count is 0 or BatchSize, $"half a batch visible: {got.Count} of {BatchSize}");
                Assert.Single(got.Select(r => r.Group).Distinct().DefaultIfEmpty(-1));
                got.ForEach(AssertWhole);
                await Task.Yield();
            }
        }

        Task[] readers = [.. Enumerable.Range(0, 3).Select(r => Task.Run(() => ReaderAsync(r)))];
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriterAsync(w))));
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        List<Row<int>> all = await rows.GetAsync(r => true, 100_000, new() { IncludeVectors = true }).ToListAsync();
        Assert.Equal(finalVersion.Count(v => v is not null), all.Count);
        foreach (Row<int> row in all)
        {
            Assert.Equal(finalVersion[row.Key], row.Group);
            AssertWhole(row);
        }
    }

    [Fact]
    public async Task Deleting_most_records_compacts_the_storage_and_keeps_the_rest_searchable()
    {
        var store = new InMemoryVectorStore();
        float[][] vectors = Data.Generate("random", 1000, 8, seed: 9);
        InMemoryVectorCollection<int, Row<int>> rows = await Data.FillAsync(store, DistanceFunction.CosineSimilarity, vectors, i => i);
        await rows.DeleteAsync(Enumerable.Range(0, 1000).Where(i => i % 10 != 0));

        CollectionData data = rows.GetBinding("test").Data;
        Assert.Equal(100, data.Count);
        Assert.True(data.Tombstones <= 64 || data.Tombstones * 4 <= data.HighWater, $"{data.Tombstones} tombstones over {data.HighWater} slots");

        float[] query = vectors[500];
        List<VectorSearchResult<Row<int>>> found = await rows.SearchAsync(query, 3).ToListAsync();
        List<(int Key, double Score)> reference = Data.Reference(DistanceFunction.CosineSimilarity, vectors, query, i => i, Enumerable.Range(0, 1000).Where(i => i % 10 == 0));
        Assert.Equal(reference.Take(3).Select(r => r.Key), found.Select(r => r.Record.Key));
        Assert.Equal(500, found[0].Record.Key);
        Assert.Equal(vectors[500], (await rows.GetAsync(500, new() { IncludeVectors = true }))!.Vector.ToArray());
    }
}
