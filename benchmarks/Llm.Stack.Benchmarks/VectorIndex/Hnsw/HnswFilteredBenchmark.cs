using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Item = Llm.Stack.Benchmarks.VectorIndex.HnswData.Item;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// Filtered HNSW search latency on one thread over <see cref="HnswData"/>: top 10 with a filter admitting 1%, 10% or 50%
/// of the records (<c>Group &lt; Percent</c>, EfSearch 64), on the path the store chooses or forced to either path
/// (<see cref="Path"/>), which is how the default exact-search cutoff was chosen. The setup prints recall@10 against the
/// exact filtered search.
/// </summary>
[Config(typeof(HnswJobs.Search))]
public class HnswFilteredBenchmark
{
    private static InMemoryVectorCollection<int, Item>? s_collection;
    private static InMemoryVectorCollection<int, Item>? s_exact;

    private VectorSearchOptions<Item> _options = new();
    private int _next;

    /// <summary>Gets or sets the share of records the filter admits, in percent (<c>LLMSTACK_HNSW_FILTER_PERCENTS</c>, default 1, 10, 50).</summary>
    [ParamsSource(nameof(Percents))]
    public int Percent { get; set; }

    /// <summary>
    /// Gets or sets the path: <c>default</c> (the cutoff the store chooses), <c>exact</c> (the matches scored exactly) or
    /// <c>graph</c> (the filtered graph walk), through <see cref="HnswSearchOptions{TRecord}.ExactFilterCutoff"/>
    /// (<c>LLMSTACK_HNSW_FILTER_PATHS</c>, default <c>default</c>).
    /// </summary>
    [ParamsSource(nameof(Paths))]
    public string Path { get; set; } = "default";

    /// <summary>Gets the filter shares to run.</summary>
    public static IEnumerable<int> Percents() => FromEnvironment("LLMSTACK_HNSW_FILTER_PERCENTS", "1,10,50").Select(int.Parse);

    /// <summary>Gets the paths to run.</summary>
    public static IEnumerable<string> Paths() => FromEnvironment("LLMSTACK_HNSW_FILTER_PATHS", "default");

    /// <summary>Builds the index once per process and prints the filtered recall.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        s_collection ??= await HnswSearchBenchmark.SharedFloat32Async();
        int percent = Percent;
        int? cutoff = Path switch
        {
            "default" => null,
            "exact" => int.MaxValue,
            "graph" => 0,
            _ => throw new InvalidOperationException($"Unknown path '{Path}': default, exact or graph."),
        };
        _options = new HnswSearchOptions<Item> { EfSearch = 64, ExactFilterCutoff = cutoff, Filter = r => r.Group < percent };
        if (s_exact is null)
        {
            // The same records with the vector property declared flat: the exact filtered search is the truth.
            var definition = new VectorStoreCollectionDefinition
            {
                Properties =
                [
                    new VectorStoreKeyProperty(nameof(Item.Id), typeof(int)),
                    new VectorStoreDataProperty(nameof(Item.Group), typeof(int)) { IsIndexed = true },
                    new VectorStoreVectorProperty(nameof(Item.Vector), typeof(ReadOnlyMemory<float>), HnswData.Dimensions) { IndexKind = IndexKind.Flat },
                ],
            };
            var store = new InMemoryVectorStore();
            s_exact = store.GetCollection<int, Item>("exact", definition);
            await s_exact.EnsureCollectionExistsAsync();
            await s_exact.UpsertAsync(HnswData.Items());
        }

        double hits = 0;
        for (int q = 0; q < 200; q++)
        {
            HashSet<int> truth = [.. await s_exact.SearchAsync(HnswData.Queries[q], 10, new() { Filter = r => r.Group < percent }).Select(r => r.Record.Id).ToListAsync()];
            hits += await s_collection.SearchAsync(HnswData.Queries[q], 10, _options).CountAsync(r => truth.Contains(r.Record.Id));
        }

        Console.WriteLine($"// filtered recall {Percent}% {Path}: {hits / 2000:F4}");
    }

    private static string[] FromEnvironment(string name, string fallback)
        => (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>One filtered top-10 query on one thread.</summary>
    [Benchmark]
    public async Task<int> FilteredQuery()
    {
        int sum = 0;
        await foreach (VectorSearchResult<Item> result in s_collection!.SearchAsync(HnswData.Queries[_next++ % HnswData.QueryCount], 10, _options))
        {
            sum += result.Record.Id;
        }

        return sum;
    }
}
