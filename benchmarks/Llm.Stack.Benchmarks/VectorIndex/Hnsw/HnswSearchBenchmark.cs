using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Cloud.Unum.USearch;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Item = Llm.Stack.Benchmarks.VectorIndex.HnswData.Item;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// HNSW search on one thread: QPS against recall@10 for EfSearch 16 … 256 over <see cref="HnswData"/> (100k × 384 by
/// default), the project's index (through the MEVD <c>SearchAsync</c>, records materialized; float32, and int8 codes with
/// float32 rescoring) against USearch (NuGet
/// <c>Cloud.Unum.USearch</c>, in process, f32, cosine), both built with M 16 and efConstruction 200. One operation is one
/// query (1,000 per invocation, cycled). The setup prints recall@10 over the 1,000 held-out queries for each case
/// (<c>// recall ...</c>) and the index memory per vector (<c>// memory ...</c>). hnswlib on the same data: <c>hnswlib_bench.py</c>.
/// Runs in process so that each index is built once (<see cref="HnswJobs.Search"/>).
/// </summary>
[Config(typeof(HnswJobs.Search))]
public class HnswSearchBenchmark
{
    private static InMemoryVectorCollection<int, Item>? s_ours;
    private static InMemoryVectorCollection<int, Item>? s_oursInt8;
    private static USearchIndex? s_usearch;
    private static readonly Lazy<Task<InMemoryVectorCollection<int, Item>>> s_sharedFloat32 = new(() => BuildOursAsync(Environment.ProcessorCount));

    private HnswSearchOptions<Item> _options = new();
    private int _next;

    /// <summary>The libraries compared.</summary>
    public enum Library
    {
        /// <summary>This project's HNSW index (float32 vectors).</summary>
        LlmStack,

        /// <summary>This project's HNSW index searched with int8 codes and float32 rescoring (<see cref="HnswOptions.Quantization"/>).</summary>
        LlmStackInt8,

        /// <summary>USearch 2.26.6 (C++ through its .NET binding).</summary>
        USearch,
    }

    /// <summary>Gets or sets the library.</summary>
    [ParamsSource(nameof(Libraries))]
    public Library Index { get; set; }

    /// <summary>Gets the libraries compared: all, or those <c>LLMSTACK_HNSW_ONLY</c> names (comma-separated: <c>LlmStack</c>, <c>LlmStackInt8</c>, <c>USearch</c>).</summary>
    public static IEnumerable<Library> Libraries()
    {
        string? only = Environment.GetEnvironmentVariable("LLMSTACK_HNSW_ONLY");
        return only is null ? Enum.GetValues<Library>() : [.. only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<Library>)];
    }

    /// <summary>Gets or sets the search candidate list size.</summary>
    [Params(16, 32, 64, 128, 256)]
    public int Ef { get; set; }

    /// <summary>Builds the index of the case's library once per process (all cores), sets ef and prints the recall.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _options = new HnswSearchOptions<Item> { EfSearch = Ef };
        double recall = 0;
        if (Index is Library.LlmStack or Library.LlmStackInt8)
        {
            InMemoryVectorCollection<int, Item> ours = Index == Library.LlmStack
                ? s_ours ??= await SharedFloat32Async()
                : s_oursInt8 ??= await BuildOursAsync(Environment.ProcessorCount, VectorQuantization.Int8);
            for (int q = 0; q < HnswData.QueryCount; q++)
            {
                int[] ids = await ours.SearchAsync(HnswData.Queries[q], HnswData.Top, _options).Select(r => r.Record.Id).ToArrayAsync();
                recall += HnswData.Recall(q, ids);
            }
        }
        else
        {
            s_usearch ??= BuildUSearch(Environment.ProcessorCount);
            USearchNative.ChangeExpansionSearch(s_usearch, Ef);
            for (int q = 0; q < HnswData.QueryCount; q++)
            {
                int found = s_usearch.Search(HnswData.Queries[q], HnswData.Top, out ulong[] keys, out float[] _);
                recall += HnswData.Recall(q, [.. keys.Take(found).Select(k => (int)k)]);
            }
        }

        Console.WriteLine($"// recall {Index} ef {Ef}: {recall / HnswData.QueryCount:F4}");
    }

    /// <summary>One top-10 query on one thread.</summary>
    [Benchmark]
    public async Task<int> Query()
    {
        float[] query = HnswData.Queries[_next++ % HnswData.QueryCount];
        int sum = 0;
        if (Index is Library.LlmStack or Library.LlmStackInt8)
        {
            await foreach (VectorSearchResult<Item> result in (Index == Library.LlmStack ? s_ours : s_oursInt8)!.SearchAsync(query, HnswData.Top, _options))
            {
                sum += result.Record.Id;
            }
        }
        else
        {
            int found = s_usearch!.Search(query, HnswData.Top, out ulong[] keys, out float[] _);
            for (int i = 0; i < found; i++)
            {
                sum += (int)keys[i];
            }
        }

        return sum;
    }

    /// <summary>
    /// Gets the float32 index built on all cores, once per process and shared with <see cref="HnswFilteredBenchmark"/>, so
    /// that a run of both builds it once (at 1,000,000 vectors a build takes minutes).
    /// </summary>
    internal static Task<InMemoryVectorCollection<int, Item>> SharedFloat32Async() => s_sharedFloat32.Value;

    internal static async Task<InMemoryVectorCollection<int, Item>> BuildOursAsync(int threads, VectorQuantization quantization = VectorQuantization.None)
    {
        List<Item> items = HnswData.Items();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var options = new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = threads };
        options.Hnsw.Quantization = quantization;
        var store = new InMemoryVectorStore(options);
        InMemoryVectorCollection<int, Item> collection = store.GetCollection<int, Item>("hnsw");
        await collection.EnsureCollectionExistsAsync();
        long start = Stopwatch.GetTimestamp();
        await collection.UpsertAsync(items);
        Console.WriteLine($"// build LlmStack {quantization}: {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s on {threads} core(s), one UpsertAsync of {HnswData.N:N0} records");
        items.Clear();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        HnswGraph graph = collection.GetBinding("bench").Data.Columns[0].Graph!;
        int codes = quantization == VectorQuantization.Int8 ? HnswData.Dimensions + sizeof(float) + sizeof(int) : 0; // codes, scale, code sum
        long index = ((long)HnswData.N * ((HnswData.Dimensions * sizeof(float)) + sizeof(float) + 1 + codes)) + graph.LinkBytes;
        Console.WriteLine($"// memory LlmStack {quantization}: {(double)(after - before) / HnswData.N:F0} bytes/vector for the whole collection (managed heap delta: records, keys, values, vectors, graph); {(double)index / HnswData.N:F0} bytes/vector for vectors, norms, flags, codes and graph links");
        return collection;
    }

    internal static USearchIndex BuildUSearch(int threads)
    {
        var index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, HnswData.Dimensions, 16, 200, 64);
        USearchNative.Reserve(index, HnswData.N, threads);
        float[][] vectors = HnswData.Vectors;
        long start = Stopwatch.GetTimestamp();
        if (threads <= 1)
        {
            for (int i = 0; i < vectors.Length; i++)
            {
                index.Add((ulong)i, vectors[i]);
            }
        }
        else
        {
            _ = Parallel.For(0, vectors.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => index.Add((ulong)i, vectors[i]));
        }

        Console.WriteLine($"// build USearch: {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s on {threads} core(s); memory {(double)USearchNative.MemoryUsage(index) / HnswData.N:F0} bytes/vector (usearch_memory_usage); kernel {USearchNative.HardwareAcceleration(index)}");

        return index;
    }
}
