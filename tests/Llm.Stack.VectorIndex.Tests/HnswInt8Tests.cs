using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>
/// HNSW graphs searched with int8 codes (<see cref="HnswOptions.Quantization"/>): recall against the exact float32 index,
/// exact scores after rescoring, filters, deletes, snapshots, and the option's validation.
/// </summary>
public sealed class HnswInt8Tests
{
    private const int Dimensions = 64;

    private static VectorStoreCollectionDefinition Definition(string distance, string indexKind) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(int)),
            new VectorStoreDataProperty("Group", typeof(int)) { IsIndexed = true },
            new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), Dimensions) { DistanceFunction = distance, IndexKind = indexKind },
        ],
    };

    /// <summary>Clustered vectors; for the Euclidean and dot-product functions their lengths vary (0.5 to 2), so norms matter.</summary>
    private static List<Row<int>> Rows(int count, int seed, bool varyLength)
    {
        float[][] vectors = HnswTests.Clustered(count, seed);
        var random = new Random(seed + 1_000);
        return [.. vectors.Select((v, i) =>
        {
            float length = varyLength ? 0.5f + (1.5f * (float)random.NextDouble()) : 1f;
            return new Row<int> { Key = i, Group = i % 100, Vector = v.Select(x => x * length).ToArray() };
        })];
    }

    private static async Task<InMemoryVectorCollection<int, Row<int>>> CollectionAsync(
        InMemoryVectorStore store, string distance, string indexKind, IEnumerable<Row<int>> rows)
    {
        InMemoryVectorCollection<int, Row<int>> collection = store.GetCollection<int, Row<int>>("rows", Definition(distance, indexKind));
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(rows);
        return collection;
    }

    private static InMemoryVectorStore Int8Store(InMemoryVectorStoreOptions? options = null)
    {
        options ??= new InMemoryVectorStoreOptions();
        options.Hnsw.Quantization = VectorQuantization.Int8;
        return new InMemoryVectorStore(options);
    }

    /// <summary>Recall@10 of <paramref name="approximate"/> against <paramref name="exact"/>; every returned score must be the exact one (<paramref name="rows"/> by key).</summary>
    private static async Task<double> RecallWithExactScoresAsync(
        InMemoryVectorCollection<int, Row<int>> approximate, InMemoryVectorCollection<int, Row<int>> exact, List<Row<int>> rows, float[][] queries, VectorSearchOptions<Row<int>>? options = null)
    {
        DistanceKind kind = exact.GetBinding("test").Data.Columns.Single().Spec.Distance;
        int found = 0;
        int wanted = 0;
        foreach (float[] query in queries)
        {
            List<VectorSearchResult<Row<int>>> truth = await exact.SearchAsync(query, 10, options).ToListAsync();
            List<VectorSearchResult<Row<int>>> got = await approximate.SearchAsync(query, 10, options).ToListAsync();
            Assert.Equal(truth.Count, got.Count);
            Assert.Equal(got.Count, got.Select(r => r.Record.Key).Distinct().Count());
            List<double> scores = [.. got.Select(r => r.Score!.Value)];
            bool descending = truth.Count < 2 || truth[0].Score >= truth[^1].Score;
            Assert.Equal(descending ? scores.OrderDescending() : scores.Order(), scores); // best first, after rescoring
            foreach (VectorSearchResult<Row<int>> result in got)
            {
                // The score is the float32 score of the record, not an int8 approximation.
                double want = FlatSearch.ToScore(kind, FlatSearch.Goodness(kind, query, rows[result.Record.Key].Vector.Span));
                Assert.Equal(want, result.Score!.Value, 5);
            }

            HashSet<int> truthKeys = [.. truth.Select(r => r.Record.Key)];
            found += got.Count(r => truthKeys.Contains(r.Record.Key));
            wanted += truth.Count;
        }

        return (double)found / wanted;
    }

    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity)]
    [InlineData(DistanceFunction.DotProductSimilarity)]
    [InlineData(DistanceFunction.EuclideanDistance)]
    public async Task Recall_at_10_is_at_least_095_with_exact_scores(string distance)
    {
        bool varyLength = distance is not (DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance);
        List<Row<int>> rows = Rows(20_000, 31, varyLength);
        using InMemoryVectorStore int8Store = Int8Store();
        using var flatStore = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Row<int>> hnsw = await CollectionAsync(int8Store, distance, IndexKind.Hnsw, rows);
        InMemoryVectorCollection<int, Row<int>> flat = await CollectionAsync(flatStore, distance, IndexKind.Flat, rows);

        VectorColumn column = hnsw.GetBinding("test").Data.Columns.Single();
        Assert.NotNull(column.Graph);
        Assert.Equal(VectorQuantization.Int8, column.Quantization);

        float[][] queries = [.. Rows(100, 32, varyLength).Select(r => r.Vector.ToArray())];
        double recall = await RecallWithExactScoresAsync(hnsw, flat, rows, queries);
        Assert.True(recall >= 0.95, $"recall@10 of the int8 graph ({distance}): {recall:F3}");
    }

    [Fact]
    public async Task Filters_deletes_and_a_snapshot_round_trip_keep_the_int8_graph_correct()
    {
        List<Row<int>> rows = Rows(20_000, 33, varyLength: false);
        using InMemoryVectorStore int8Store = Int8Store();
        using var flatStore = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Row<int>> hnsw = await CollectionAsync(int8Store, DistanceFunction.CosineSimilarity, IndexKind.Hnsw, rows);
        InMemoryVectorCollection<int, Row<int>> flat = await CollectionAsync(flatStore, DistanceFunction.CosineSimilarity, IndexKind.Flat, rows);
        float[][] queries = [.. Rows(60, 34, varyLength: false).Select(r => r.Vector.ToArray())];

        // A filter admitting half the records (walked in the graph) and one admitting 1% (scanned exactly).
        foreach (int percent in new[] { 50, 1 })
        {
            var options = new VectorSearchOptions<Row<int>> { Filter = r => r.Group < percent };
            foreach (float[] query in queries.Take(10))
            {
                List<Row<int>> got = await hnsw.SearchAsync(query, 10, options).Select(r => r.Record).ToListAsync();
                Assert.Equal(10, got.Count);
                Assert.All(got, r => Assert.True(r.Group < percent));
            }

            double recall = await RecallWithExactScoresAsync(hnsw, flat, rows, queries, options);
            Assert.True(recall >= 0.95, $"filtered recall@10 at {percent}%: {recall:F3}");
        }

        // Deleting 20%: a deleted record never comes back, recall holds.
        int[] deleted = [.. Enumerable.Range(0, rows.Count).Where(i => i % 5 == 1)];
        await hnsw.DeleteAsync(deleted);
        await flat.DeleteAsync(deleted);
        HashSet<int> gone = [.. deleted];
        foreach (int key in deleted.Take(50))
        {
            List<int> got = await hnsw.SearchAsync(rows[key].Vector, 10).Select(r => r.Record.Key).ToListAsync();
            Assert.Equal(10, got.Count);
            Assert.DoesNotContain(got, gone.Contains);
        }

        Assert.True(await RecallWithExactScoresAsync(hnsw, flat, rows, queries) >= 0.95);

        // Saved and loaded: still int8, the same results, no rebuild.
        using var buffer = new MemoryStream();
        await int8Store.SaveCollectionAsync("rows", buffer);
        buffer.Position = 0;
        using var loaded = new InMemoryVectorStore();
        _ = await loaded.LoadCollectionAsync(buffer);
        InMemoryVectorCollection<int, Row<int>> copy = loaded.GetCollection<int, Row<int>>("rows", Definition(DistanceFunction.CosineSimilarity, IndexKind.Hnsw));
        Assert.Equal(VectorQuantization.Int8, copy.GetBinding("test").Data.Columns.Single().Quantization);
        foreach (float[] query in queries.Take(20))
        {
            var options = new HnswSearchOptions<Row<int>> { EfSearch = 16 };
            List<(int, double?)> want = await hnsw.SearchAsync(query, 10, options).Select(r => (r.Record.Key, r.Score)).ToListAsync();
            List<(int, double?)> got = await copy.SearchAsync(query, 10, options).Select(r => (r.Record.Key, r.Score)).ToListAsync();
            Assert.Equal(want, got);
        }
    }

    [Fact]
    public async Task Int8_codes_only_narrow_the_candidates_a_larger_EfSearch_reaches_the_exact_results()
    {
        List<Row<int>> rows = Rows(3_000, 35, varyLength: false);
        using InMemoryVectorStore int8Store = Int8Store(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1 });
        using var flatStore = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Row<int>> hnsw = await CollectionAsync(int8Store, DistanceFunction.CosineSimilarity, IndexKind.Hnsw, rows);
        InMemoryVectorCollection<int, Row<int>> flat = await CollectionAsync(flatStore, DistanceFunction.CosineSimilarity, IndexKind.Flat, rows);
        float[][] queries = [.. Rows(30, 36, varyLength: false).Select(r => r.Vector.ToArray())];

        // With a candidate list as large as the collection every record is rescored in float32: the exact answer.
        double recall = await RecallWithExactScoresAsync(hnsw, flat, rows, queries, new HnswSearchOptions<Row<int>> { EfSearch = 3_000 });
        Assert.Equal(1.0, recall);
    }

    [Fact]
    public void Hnsw_quantization_accepts_none_and_int8_only()
    {
        var options = new HnswOptions();
        Assert.Equal(VectorQuantization.None, options.Quantization);
        options.Quantization = VectorQuantization.Int8;
        Assert.Equal(VectorQuantization.Int8, options.Quantization);
        ArgumentOutOfRangeException binary = Assert.Throws<ArgumentOutOfRangeException>(() => options.Quantization = VectorQuantization.Binary);
        Assert.Equal("value", binary.ParamName);
        Assert.Contains("Int8", binary.Message, StringComparison.Ordinal);
        _ = Assert.Throws<ArgumentOutOfRangeException>(() => options.Quantization = (VectorQuantization)7);
        Assert.Equal(VectorQuantization.Int8, options.Quantization);
    }
}
