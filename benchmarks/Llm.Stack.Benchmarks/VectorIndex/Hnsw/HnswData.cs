using System.Runtime.InteropServices;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The data of the HNSW benchmarks, built once per process: <see cref="N"/> × 384 clustered unit vectors (256 Gaussian
/// centres, σ 1, plus noise σ 0.6, as <see cref="VectorSearchBenchmark"/>), 1,000 held-out queries from the same
/// distribution, and the exact top-10 of each query (the ground truth, from the exact index). The same arrays are
/// written to <see cref="Directory"/> (raw little-endian float32 / int32) so that <c>hnswlib_bench.py</c> runs on the very
/// same data and truth.
/// </summary>
internal static class HnswData
{
    public const int Dimensions = 384;
    public const int QueryCount = 1_000;
    public const int Top = 10;

    private static readonly Lazy<(float[][] Vectors, float[][] Queries, int[][] Truth)> s_data = new(Create);

    /// <summary>Gets the number of vectors: <c>LLMSTACK_HNSW_N</c>, default 100,000.</summary>
    public static int N { get; } = int.TryParse(Environment.GetEnvironmentVariable("LLMSTACK_HNSW_N"), out int n) ? n : 100_000;

    /// <summary>Gets the folder the data files are written to: <c>LLMSTACK_HNSW_DIR</c>, default <c>/tmp/llmstack-hnsw</c>.</summary>
    public static string Directory { get; } = Environment.GetEnvironmentVariable("LLMSTACK_HNSW_DIR") ?? Path.Combine(Path.GetTempPath(), "llmstack-hnsw");

    public static float[][] Vectors => s_data.Value.Vectors;

    public static float[][] Queries => s_data.Value.Queries;

    public static int[][] Truth => s_data.Value.Truth;

    public static double Recall(int query, ReadOnlySpan<int> found)
    {
        int hits = 0;
        foreach (int id in found)
        {
            hits += Array.IndexOf(Truth[query], id) >= 0 ? 1 : 0;
        }

        return (double)hits / Top;
    }

    public static List<Item> Items() => [.. Vectors.Select((v, i) => new Item { Id = i, Group = i % 100, Vector = v })];

    private static (float[][], float[][], int[][]) Create()
    {
        var random = new Random(42);
        float[][] centers = [.. Enumerable.Range(0, 256).Select(_ => VectorSearchBenchmark.Gaussian(random, 1f, Dimensions))];
        float[] Next() => Normalize(VectorSearchBenchmark.Add(centers[random.Next(centers.Length)], VectorSearchBenchmark.Gaussian(random, 0.6f, Dimensions)));
        float[][] vectors = [.. Enumerable.Range(0, N).Select(_ => Next())];
        float[][] queries = [.. Enumerable.Range(0, QueryCount).Select(_ => Next())];

        using var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, VectorSearchBenchmark.Item> exact = store.GetCollection<int, VectorSearchBenchmark.Item>("exact");
        exact.EnsureCollectionExistsAsync().GetAwaiter().GetResult();
        exact.UpsertAsync(vectors.Select((v, i) => new VectorSearchBenchmark.Item { Id = i, Vector = v })).GetAwaiter().GetResult();
        IReadOnlyList<IReadOnlyList<VectorSearchResult<VectorSearchBenchmark.Item>>> results = exact.SearchBatchAsync([.. queries.Select(q => new ReadOnlyMemory<float>(q))], Top).GetAwaiter().GetResult();
        int[][] truth = [.. results.Select(r => r.Select(x => x.Record.Id).ToArray())];

        _ = System.IO.Directory.CreateDirectory(Directory);
        Write("vectors.f32", vectors.SelectMany(v => v).ToArray());
        Write("queries.f32", queries.SelectMany(v => v).ToArray());
        Write("truth.i32", truth.SelectMany(t => t).ToArray());
        File.WriteAllText(Path.Combine(Directory, "shape.txt"), $"{N} {QueryCount} {Dimensions} {Top}\n");
        return (vectors, queries, truth);
    }

    private static void Write<T>(string name, T[] values)
        where T : struct
        => File.WriteAllBytes(Path.Combine(Directory, name), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static float[] Normalize(float[] v)
    {
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    /// <summary>A record of the HNSW benchmarks.</summary>
    public sealed class Item
    {
        /// <summary>Gets or sets the key.</summary>
        [VectorStoreKey]
        public int Id { get; set; }

        /// <summary>Gets or sets the filter group (<c>Id % 100</c>).</summary>
        [VectorStoreData(IsIndexed = true)]
        public int Group { get; set; }

        /// <summary>Gets or sets the vector.</summary>
        [VectorStoreVector(Dimensions, IndexKind = IndexKind.Hnsw)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }
}
