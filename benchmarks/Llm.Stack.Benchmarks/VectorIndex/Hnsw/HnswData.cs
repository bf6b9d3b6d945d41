using System.Runtime.InteropServices;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The data of the HNSW benchmarks, built once per process, and the exact top-10 of each query (the ground truth, from
/// the exact index). Two data sets:
/// <list type="bullet">
/// <item>real sentence embeddings, when <c>LLMSTACK_HNSW_DATA</c> names a folder written by <c>prepare-minilm</c>
/// (<see cref="MiniLmPassages"/>): all-MiniLM-L6-v2 vectors of documentation passages and 1,000 held-out passages as
/// queries;</item>
/// <item>otherwise synthetic: <see cref="N"/> × 384 clustered unit vectors (256 Gaussian centres, σ 1, plus noise σ 0.6,
/// as <see cref="VectorSearchBenchmark"/>) and 1,000 held-out queries from the same distribution.</item>
/// </list>
/// The arrays and the truth are written to <see cref="Directory"/> (raw little-endian float32 / int32) so that
/// <c>hnswlib_bench.py</c> runs on the very same data and truth; a later process reads them back instead of generating the
/// synthetic vectors and searching the truth again (at 1,000,000 vectors each run would otherwise repeat both).
/// </summary>
internal static class HnswData
{
    public const int Dimensions = 384;
    public const int QueryCount = 1_000;
    public const int Top = 10;

    private static readonly Lazy<(float[][] Vectors, float[][] Queries, int[][] Truth)> s_data = new(Create);

    private static readonly string? s_prepared = Environment.GetEnvironmentVariable("LLMSTACK_HNSW_DATA");

    /// <summary>Gets the number of vectors: that of the prepared folder, else <c>LLMSTACK_HNSW_N</c>, default 100,000.</summary>
    public static int N { get; } = s_prepared is not null
        ? int.Parse(File.ReadAllText(Path.Combine(s_prepared, "shape.txt")).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)
        : int.TryParse(Environment.GetEnvironmentVariable("LLMSTACK_HNSW_N"), out int n) ? n : 100_000;

    /// <summary>Gets the name of the data set, for the benchmarks' output.</summary>
    public static string Name => s_prepared is null ? $"synthetic clustered {N:N0} x {Dimensions}" : $"MiniLM passages {N:N0} x {Dimensions} ({s_prepared})";

    /// <summary>
    /// Gets the folder the data files are written to: the prepared folder, else <c>LLMSTACK_HNSW_DIR</c>, default
    /// <c>/tmp/llmstack-hnsw</c>.
    /// </summary>
    public static string Directory { get; } = s_prepared ?? Environment.GetEnvironmentVariable("LLMSTACK_HNSW_DIR") ?? Path.Combine(Path.GetTempPath(), "llmstack-hnsw");

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
        float[][] vectors;
        float[][] queries;
        bool cached = s_prepared is null && IsCachedSynthetic();
        if (s_prepared is not null || cached)
        {
            vectors = Read(Path.Combine(Directory, "vectors.f32"), N);
            queries = Read(Path.Combine(Directory, "queries.f32"), QueryCount);
        }
        else
        {
            var random = new Random(42);
            float[][] centers = [.. Enumerable.Range(0, 256).Select(_ => VectorSearchBenchmark.Gaussian(random, 1f, Dimensions))];
            float[] Next() => Normalize(VectorSearchBenchmark.Add(centers[random.Next(centers.Length)], VectorSearchBenchmark.Gaussian(random, 0.6f, Dimensions)));
            vectors = [.. Enumerable.Range(0, N).Select(_ => Next())];
            queries = [.. Enumerable.Range(0, QueryCount).Select(_ => Next())];
        }

        Console.WriteLine($"// data: {Name}{(cached ? $" (read from {Directory})" : string.Empty)}");
        if ((s_prepared is not null || cached) && ReadTruth() is { } known)
        {
            return (vectors, queries, known);
        }

        using var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, VectorSearchBenchmark.Item> exact = store.GetCollection<int, VectorSearchBenchmark.Item>("exact");
        exact.EnsureCollectionExistsAsync().GetAwaiter().GetResult();
        exact.UpsertAsync(vectors.Select((v, i) => new VectorSearchBenchmark.Item { Id = i, Vector = v })).GetAwaiter().GetResult();
        IReadOnlyList<IReadOnlyList<VectorSearchResult<VectorSearchBenchmark.Item>>> results = exact.SearchBatchAsync([.. queries.Select(q => new ReadOnlyMemory<float>(q))], Top).GetAwaiter().GetResult();
        int[][] truth = [.. results.Select(r => r.Select(x => x.Record.Id).ToArray())];

        _ = System.IO.Directory.CreateDirectory(Directory);
        if (s_prepared is null && !cached)
        {
            Write("vectors.f32", vectors);
            Write("queries.f32", queries);
            File.WriteAllText(Path.Combine(Directory, "shape.txt"), $"{N} {QueryCount} {Dimensions} {Top}\n");
        }

        Write("truth.i32", truth);
        return (vectors, queries, truth);
    }

    // Synthetic data of this N already written to the folder by an earlier process (same seed, so the same vectors).
    private static bool IsCachedSynthetic()
    {
        string shape = Path.Combine(Directory, "shape.txt");
        return File.Exists(shape) && File.ReadAllText(shape).Trim() == $"{N} {QueryCount} {Dimensions} {Top}"
            && File.Exists(Path.Combine(Directory, "vectors.f32")) && new FileInfo(Path.Combine(Directory, "vectors.f32")).Length == (long)N * Dimensions * sizeof(float);
    }

    // The ground truth an earlier process computed for these very files (written after them), else null.
    private static int[][]? ReadTruth()
    {
        var truth = new FileInfo(Path.Combine(Directory, "truth.i32"));
        var vectors = new FileInfo(Path.Combine(Directory, "vectors.f32"));
        if (!truth.Exists || !vectors.Exists || truth.Length != QueryCount * Top * sizeof(int) || truth.LastWriteTimeUtc < vectors.LastWriteTimeUtc)
        {
            return null;
        }

        int[] all = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(truth.FullName)).ToArray();
        Console.WriteLine($"// ground truth read from {truth.FullName}");
        return [.. Enumerable.Range(0, QueryCount).Select(q => all.AsSpan(q * Top, Top).ToArray())];
    }

    private static float[][] Read(string path, int count)
    {
        using FileStream file = File.OpenRead(path);
        if (file.Length != (long)count * Dimensions * sizeof(float))
        {
            throw new InvalidDataException($"{path} holds {file.Length} bytes; {count} x {Dimensions} float32 expected.");
        }

        var rows = new float[count][];
        for (int i = 0; i < count; i++)
        {
            rows[i] = new float[Dimensions];
            file.ReadExactly(MemoryMarshal.AsBytes(rows[i].AsSpan()));
        }

        return rows;
    }

    private static void Write(string name, float[][] rows)
    {
        using FileStream file = File.Create(Path.Combine(Directory, name));
        foreach (float[] row in rows)
        {
            file.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
    }

    private static void Write(string name, int[][] rows) => File.WriteAllBytes(Path.Combine(Directory, name), MemoryMarshal.AsBytes(rows.SelectMany(t => t).ToArray().AsSpan()).ToArray());

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
