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
    [Params(HnswSearchBenchmark.Library.LlmStack, HnswSearchBenchmark.Library.USearch)]
    public HnswSearchBenchmark.Library Index { get; set; }

    /// <summary>Gets or sets the number of cores the build uses.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    /// <summary>Gets one core and all cores.</summary>
    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>Creates the data before the timed build.</summary>
    [GlobalSetup]
    public void Setup() => _ = HnswData.Vectors;

    /// <summary>One whole build.</summary>
    [Benchmark]
    public async Task<int> Build()
    {
        if (Index == HnswSearchBenchmark.Library.LlmStack)
        {
            InMemoryVectorCollection<int, HnswData.Item> collection = await HnswSearchBenchmark.BuildOursAsync(Threads);
            return collection.Name.Length;
        }

        using USearchIndex index = HnswSearchBenchmark.BuildUSearch(Threads);
        return (int)index.Size();
    }
}
