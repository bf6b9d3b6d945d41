using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>
/// Exact search equals a float64 brute-force reference: the same top-k keys except among scores tied within 1e-6,
/// and scores within 1e-5, for every distance function and key type, on random, clustered and small-integer data.
/// </summary>
public sealed class SearchReferenceTests
{
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        string[] distances =
        [
            DistanceFunction.CosineSimilarity, DistanceFunction.CosineDistance, DistanceFunction.DotProductSimilarity,
            DistanceFunction.NegativeDotProductSimilarity, DistanceFunction.EuclideanDistance, DistanceFunction.EuclideanSquaredDistance,
            DistanceFunction.ManhattanDistance, DistanceFunction.HammingDistance,
        ];
        string[] keys = ["Guid", "string", "int", "long"];
        string[] kinds = ["random", "clustered", "integers"];
        int i = 0;
        foreach (string d in distances)
        {
            foreach (string k in keys)
            {
                // Hamming needs repeated component values to be meaningful: always run it on small integers.
                data.Add(d, k, d == DistanceFunction.HammingDistance ? "integers" : kinds[i++ % kinds.Length]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Search_equals_the_float64_reference(string distance, string keyType, string dataKind) => keyType switch
    {
        "Guid" => RunAsync(distance, dataKind, i => new Guid(i + 1, 0, 0, new byte[8])), // Guid.Empty would be auto-generated
        "string" => RunAsync(distance, dataKind, i => "k" + i),
        "int" => RunAsync(distance, dataKind, i => i * 7),
        _ => RunAsync(distance, dataKind, i => (1L << 33) + i),
    };

    [Fact]
    public async Task Partitioned_search_across_cores_equals_the_single_threaded_one()
    {
        const int Dimensions = 128;
        const int Count = 2_200; // rows × dimensions above the parallel threshold
        float[][] vectors = Data.Generate("clustered", Count, Dimensions, seed: 5);
        var parallel = new InMemoryVectorStore(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 4 });
        var single = new InMemoryVectorStore(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1 });
        InMemoryVectorCollection<int, Row<int>> a = await Data.FillAsync(parallel, DistanceFunction.CosineSimilarity, vectors, i => i);
        InMemoryVectorCollection<int, Row<int>> b = await Data.FillAsync(single, DistanceFunction.CosineSimilarity, vectors, i => i);
        float[] query = Data.Generate("clustered", 1, Dimensions, seed: 99)[0];

        List<VectorSearchResult<Row<int>>> ra = await a.SearchAsync(query, 25, new() { Filter = r => r.Group != 3 }).ToListAsync();
        List<VectorSearchResult<Row<int>>> rb = await b.SearchAsync(query, 25, new() { Filter = r => r.Group != 3 }).ToListAsync();

        Assert.Equal(rb.Select(r => r.Record.Key), ra.Select(r => r.Record.Key));
        Assert.Equal(rb.Select(r => r.Score), ra.Select(r => r.Score));
        Assert.DoesNotContain(ra, r => r.Record.Group == 3);
    }

    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity)]
    [InlineData(DistanceFunction.EuclideanDistance)]
    public async Task Skip_and_score_threshold_follow_the_reference(string distance)
    {
        float[][] vectors = Data.Generate("random", 200, 16, seed: 3);
        InMemoryVectorCollection<int, Row<int>> rows = await Data.FillAsync(new InMemoryVectorStore(), distance, vectors, i => i);
        float[] query = Data.Generate("random", 1, 16, seed: 4)[0];
        List<(int Key, double Score)> reference = Data.Reference(distance, vectors, query, i => i);
        double threshold = reference[20].Score;

        List<VectorSearchResult<Row<int>>> page = await rows.SearchAsync(query, 5, new() { Skip = 10 }).ToListAsync();
        List<VectorSearchResult<Row<int>>> thresholded = await rows.SearchAsync(query, 100, new() { ScoreThreshold = threshold }).ToListAsync();
        List<VectorSearchResult<Row<int>>> withVectors = await rows.SearchAsync(query, 1, new() { IncludeVectors = true }).ToListAsync();

        Assert.Equal(reference.Skip(10).Take(5).Select(r => r.Key), page.Select(r => r.Record.Key));
        Assert.Equal(reference.Take(21).Select(r => r.Key), thresholded.Select(r => r.Record.Key));
        Assert.Equal(vectors[withVectors[0].Record.Key], withVectors[0].Record.Vector.ToArray());
        Assert.Equal(0, page[0].Record.Vector.Length);
    }

    // 64 and 384 components are whole four-vector steps: the unfiltered cosine and dot scans then take the four-rows-at-a-time
    // kernel (VectorKernels.Dot4 on AVX-512), here over 303 rows (a tail of three) with tombstones inside the steps. The
    // dot products stay at 64 components so that their unnormalised scores keep within the absolute 1e-5 of the reference.
    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity, 64)]
    [InlineData(DistanceFunction.DotProductSimilarity, 64)]
    [InlineData(DistanceFunction.NegativeDotProductSimilarity, 64)]
    [InlineData(DistanceFunction.CosineDistance, 384)]
    public Task Four_row_scan_equals_the_float64_reference(string distance, int dimensions)
        => RunAsync(distance, "clustered", i => i, dimensions, count: 303);

    // With integer components and duplicated rows many scores tie exactly; the unfiltered four-row scan must keep what the
    // one-row filtered scan (a filter that admits every record) keeps, ties included: the rows in slot order, the first
    // of equal scores kept.
    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity, 3001)]
    [InlineData(DistanceFunction.DotProductSimilarity, 3001)]
    [InlineData(DistanceFunction.CosineDistance, 1027)]
    public async Task Four_row_scan_keeps_ties_as_the_one_row_scan_does(string distance, int count)
    {
        float[][] vectors = Data.Generate("integers", count, 64, seed: 77);
        for (int i = 0; i < count; i += 97)
        {
            vectors[i] = vectors[count - 1 - (i % 50)]; // exact duplicates in both halves
        }

        InMemoryVectorCollection<int, Row<int>> rows = await Data.FillAsync(new InMemoryVectorStore(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1 }), distance, vectors, i => i);
        await rows.DeleteAsync([1, 2, count / 2, (count / 2) + 1, count - 2]);
        var everything = new VectorSearchOptions<Row<int>> { Filter = r => r.Group >= 0 };
        foreach (float[] query in Data.Generate("integers", 6, 64, seed: 78).Append(vectors[count - 1]))
        {
            foreach (int top in new[] { 1, 10, 200 })
            {
                List<(int, double?)> onePass = await rows.SearchAsync(query, top, everything).Select(r => (r.Record.Key, r.Score)).ToListAsync();
                List<(int, double?)> fourRows = await rows.SearchAsync(query, top).Select(r => (r.Record.Key, r.Score)).ToListAsync();
                Assert.Equal(top, onePass.Count);
                Assert.Equal(onePass, fourRows);
            }
        }
    }

    // 37 dimensions by default: not a multiple of any vector width, exercises the overlapping tail.
    private static async Task RunAsync<TKey>(string distance, string dataKind, Func<int, TKey> key, int dimensions = 37, int count = 300)
        where TKey : notnull
    {
        float[][] vectors = Data.Generate(dataKind, count, dimensions, seed: distance.Length * 31 + dataKind.Length);
        InMemoryVectorCollection<TKey, Row<TKey>> rows = await Data.FillAsync(new InMemoryVectorStore(), distance, vectors, key);
        // Delete a few and re-insert one, so tombstones are in the scan.
        await rows.DeleteAsync([key(3), key(4), key(5)]);
        await rows.UpsertAsync(new Row<TKey> { Key = key(4), Group = 4 % 5, Vector = vectors[4] });
        List<int> live = [.. Enumerable.Range(0, vectors.Length).Where(i => i is not 3 and not 5)];

        foreach (float[] query in Data.Generate(dataKind, 5, dimensions, seed: 1234))
        {
            List<(TKey Key, double Score)> reference = Data.Reference(distance, vectors, query, key, live);
            Dictionary<TKey, double> truth = reference.ToDictionary(r => r.Key, r => r.Score);
            List<VectorSearchResult<Row<TKey>>> found = await rows.SearchAsync(query, 10).ToListAsync();

            Assert.Equal(10, found.Count);
            for (int i = 0; i < found.Count; i++)
            {
                Assert.True(Math.Abs(found[i].Score!.Value - reference[i].Score) <= 1e-5, $"{distance}: score {found[i].Score} at rank {i}, reference {reference[i].Score}");
                Assert.True(Math.Abs(truth[found[i].Record.Key] - reference[i].Score) <= 1e-6, $"{distance}: key {found[i].Record.Key} at rank {i} is not tied with the reference's");
            }

            Assert.Equal(found.Count, found.Select(r => r.Record.Key).Distinct().Count());
        }
    }
}

/// <summary>Data sets and the float64 reference.</summary>
internal static class Data
{
    public static float[][] Generate(string kind, int count, int dimensions, int seed)
    {
        var random = new Random(seed);
        float[][] centers = [.. Enumerable.Range(0, 8).Select(_ => Gaussian(random, dimensions, 1))];
        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            float[] v = kind switch
            {
                "clustered" => [.. centers[random.Next(centers.Length)].Zip(Gaussian(random, dimensions, 0.1), (c, n) => c + n)],
                "integers" => [.. Enumerable.Range(0, dimensions).Select(_ => (float)random.Next(-2, 3))],
                _ => Gaussian(random, dimensions, 1),
            };
            if (v.All(x => x == 0))
            {
                v[0] = 1;
            }

            result[i] = v;
        }

        return result;
    }

    public static async Task<InMemoryVectorCollection<TKey, Row<TKey>>> FillAsync<TKey>(InMemoryVectorStore store, string distance, float[][] vectors, Func<int, TKey> key)
        where TKey : notnull
    {
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(TKey)),
                new VectorStoreDataProperty("Group", typeof(int)) { IsIndexed = true },
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), vectors[0].Length) { DistanceFunction = distance },
            ],
        };
        InMemoryVectorCollection<TKey, Row<TKey>> rows = store.GetCollection<TKey, Row<TKey>>("rows", definition);
        await rows.EnsureCollectionExistsAsync();
        await rows.UpsertAsync(vectors.Select((v, i) => new Row<TKey> { Key = key(i), Group = i % 5, Vector = v }));
        return rows;
    }

    /// <summary>Scores every vector in float64 with MEVD semantics and sorts best first.</summary>
    public static List<(TKey Key, double Score)> Reference<TKey>(string distance, float[][] vectors, float[] query, Func<int, TKey> key, IEnumerable<int>? live = null)
    {
        bool higherIsBetter = distance is DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity;
        var scored = (live ?? Enumerable.Range(0, vectors.Length)).Select(i => (Key: key(i), Score: Score(distance, query, vectors[i]))).ToList();
        return higherIsBetter ? [.. scored.OrderByDescending(s => s.Score)] : [.. scored.OrderBy(s => s.Score)];
    }

    public static double Score(string distance, float[] x, float[] y)
    {
        double dot = 0, xx = 0, yy = 0, l2 = 0, l1 = 0, hamming = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i], b = y[i];
            dot += a * b;
            xx += a * a;
            yy += b * b;
            l2 += (a - b) * (a - b);
            l1 += Math.Abs(a - b);
            hamming += a == b ? 0 : 1;
        }

        double cosine = dot / (Math.Sqrt(xx) * Math.Sqrt(yy));
        return distance switch
        {
            DistanceFunction.CosineSimilarity => cosine,
            DistanceFunction.CosineDistance => 1 - cosine,
            DistanceFunction.DotProductSimilarity => dot,
            DistanceFunction.NegativeDotProductSimilarity => -dot,
            DistanceFunction.EuclideanDistance => Math.Sqrt(l2),
            DistanceFunction.EuclideanSquaredDistance => l2,
            DistanceFunction.ManhattanDistance => l1,
            _ => hamming,
        };
    }

    private static float[] Gaussian(Random random, int dimensions, double sigma)
    {
        var v = new float[dimensions];
        double scale = sigma / Math.Sqrt(dimensions);
        for (int i = 0; i < dimensions; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            v[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return v;
    }
}
