using BenchmarkDotNet.Attributes;
using Cloud.Unum.USearch;
using Llm.Stack.VectorIndex;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// HNSW build time over <see cref="HnswData"/> (M 16, efConstruction 200): the project's index (one <c>UpsertAsync</c> of
/// every record, linked on <see cref="Threads"/> cores) against USearch (in process; <c>Add</c> from that many threads).
/// One operation is one whole build; it runs in process, one iteration (<see cref="HnswJobs.Build"/>).
/// hnswlib on the same data: <c>hnswlib_bench.py</c>.
/// </summary>
[Config(typeof(HnswJobs.Build))]
public class HnswBuildBenchmark
{
    /// <summary>Gets or sets the library.</summary>
    [ParamsSource(nameof(Libraries))]
    public HnswSearchBenchmark.Library Index { get; set; }

    /// <summary>Gets the libraries built: this project's float32 index and USearch, or those <c>LLMSTACK_HNSW_ONLY</c> names.</summary>
    /// <remarks>The int8 index is built from the float32 vectors exactly as the float32 one, so it is not a separate case unless named.</remarks>
    public static IEnumerable<HnswSearchBenchmark.Library> Libraries()
        => Environment.GetEnvironmentVariable("LLMSTACK_HNSW_ONLY") is null ? [HnswSearchBenchmark.Library.LlmStack, HnswSearchBenchmark.Library.USearch] : HnswSearchBenchmark.Libraries();

    /// <summary>Gets or sets the number of cores the build uses.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    /// <summary>
    /// Gets one core and all cores, or the counts <c>LLMSTACK_HNSW_BUILD_THREADS</c> names (comma-separated; at 1,000,000
    /// vectors each build is a window of its own).
    /// </summary>
    public static IEnumerable<int> ThreadCounts()
    {
        string? only = Environment.GetEnvironmentVariable("LLMSTACK_HNSW_BUILD_THREADS");
        if (only is not null)
        {
            return [.. only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
        }

        return Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
    }

    /// <summary>Creates the data before the timed build.</summary>
    [GlobalSetup]
    public void Setup() => _ = HnswData.Vectors;

    /// <summary>One whole build.</summary>
    [Benchmark]
    public async Task<int> Build()
    {
        if (Index is HnswSearchBenchmark.Library.LlmStack or HnswSearchBenchmark.Library.LlmStackInt8)
        {
            InMemoryVectorCollection<int, HnswData.Item> collection = await HnswSearchBenchmark.BuildOursAsync(
                Threads, Index == HnswSearchBenchmark.Library.LlmStackInt8 ? VectorQuantization.Int8 : VectorQuantization.None);
            return collection.Name.Length;
        }

        using USearchIndex index = HnswSearchBenchmark.BuildUSearch(Threads);
        return (int)index.Size();
    }
}
