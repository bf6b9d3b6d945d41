using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Item = Llm.Stack.Benchmarks.VectorIndex.VectorSearchBenchmark.Item;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The recall/speed trade of quantized search: top-10 over 100k × 384 clustered vectors on one core, int8 and binary
/// codes, for several values of <see cref="InMemoryVectorStoreOptions.QuantizationOversampling"/> (how many candidates
/// per result are rescored at float32). Recall@10 against the exact float32 search over 64 queries is printed by the
/// setup (<c>// recall@10 ...</c>) for each case, beside the time BenchmarkDotNet measures.
/// </summary>
[MemoryDiagnoser]
public class QuantizationTradeoffBenchmark
{
    private const int N = 100_000;
    private const int Dimensions = 384;
    private const int Top = 10;

    private static float[][]? s_vectors;
    private static float[][]? s_queries;
    private static InMemoryVectorCollection<int, Item>? s_exact;

    private InMemoryVectorCollection<int, Item> _collection = null!;
    private int _next;

    /// <summary>Gets or sets the code kind.</summary>
    [Params(VectorQuantization.Int8, VectorQuantization.Binary)]
    public VectorQuantization Quantization { get; set; }

    /// <summary>Gets or sets the oversampling factor.</summary>
    [Params(2, 10, 30, 100)]
    public int Oversampling { get; set; }

    /// <summary>Builds the data once per process, the quantized collection per case, and prints its recall.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (s_vectors is null)
        {
            var random = new Random(42);
            float[][] centers = [.. Enumerable.Range(0, 256).Select(_ => VectorSearchBenchmark.Gaussian(random, 1f, Dimensions))];
            s_vectors = [.. Enumerable.Range(0, N).Select(_ => VectorSearchBenchmark.Add(centers[random.Next(centers.Length)], VectorSearchBenchmark.Gaussian(random, 0.6f, Dimensions)))];
            s_queries = [.. Enumerable.Range(0, 64).Select(_ => VectorSearchBenchmark.Add(centers[random.Next(centers.Length)], VectorSearchBenchmark.Gaussian(random, 0.6f, Dimensions)))];
            s_exact = await CreateAsync(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1 });
        }

        _collection = await CreateAsync(new InMemoryVectorStoreOptions
        {
            MaxDegreeOfParallelism = 1,
            Quantization = Quantization,
            QuantizationOversampling = Oversampling,
        });

        int hits = 0;
        foreach (float[] query in s_queries!)
        {
            HashSet<int> exact = [.. await s_exact!.SearchAsync(query, Top).Select(r => r.Record.Id).ToListAsync()];
            hits += await _collection.SearchAsync(query, Top).CountAsync(r => exact.Contains(r.Record.Id));
        }

        Console.WriteLine($"// recall@10 {Quantization} oversampling {Oversampling}: {hits / (64.0 * Top):F3}");
    }

    /// <summary>One top-10 query.</summary>
    [Benchmark]
    public async Task<int> Search()
    {
        int sum = 0;
        await foreach (VectorSearchResult<Item> result in _collection.SearchAsync(s_queries![_next++ & 63], Top))
        {
            sum += result.Record.Id;
        }

        return sum;
    }

    private static async Task<InMemoryVectorCollection<int, Item>> CreateAsync(InMemoryVectorStoreOptions options)
    {
        var store = new InMemoryVectorStore(options);
        InMemoryVectorCollection<int, Item> collection = store.GetCollection<int, Item>("items", new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Item.Id), typeof(int)),
                new VectorStoreVectorProperty(nameof(Item.Vector), typeof(ReadOnlyMemory<float>), Dimensions),
            ],
        });
        await collection.EnsureCollectionExistsAsync();
        for (int start = 0; start < N; start += 10_000)
        {
            await collection.UpsertAsync(Enumerable.Range(start, 10_000).Select(i => new Item { Id = i, Vector = s_vectors![i] }));
        }

        return collection;
    }
}
