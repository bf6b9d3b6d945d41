using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// Top-10 search over N × D float vectors (clustered like real embeddings), one query per call unless noted:
/// the MEVD InMemory connector's search path reproduced (<see cref="MevdInMemoryBaseline"/>) as the baseline, and a
/// lean variant of it (one array per record, per-record <see cref="TensorPrimitives.CosineSimilarity(ReadOnlySpan{float}, ReadOnlySpan{float})"/>,
/// full sort); the in-memory index exact float32 on one core and on all cores, int8 and binary on one
/// core; a batch of 1,000 queries in one call; and a sequential read-bandwidth probe over a buffer of the same size as the stored vectors.
/// </summary>
/// <remarks>
/// The shapes are the issue's: 10k / 100k / 1M × 384 and 10k / 100k × 1536 (1M × 1536 does not fit beside its
/// baselines in memory). <c>LLMSTACK_VECTOR_SHAPES</c> (for example <c>100000x384,10000x1536</c>) restricts a run to
/// some of them, since BenchmarkDotNet filters methods, not parameters.
/// <para>
/// The machine is a VM whose memory bandwidth moves with its neighbours' load, so the table also shows the minimum and
/// the median: the minimum is the run least disturbed by others, which is what a physical limit is compared with.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class VectorSearchBenchmark
{
    private const int Top = 10;
    private const int BatchSize = 1000;

    // In-process runs create one instance per method; the data of the last shape is kept so that each shape is built
    // once (at 1M × 384 building takes about a minute), and dropped when the shape changes.
    private static (Shape Shape, VectorSearchBenchmark Built)? s_last;

    private float[][] _vectors = [];
    private float[][] _queries = [];
    private float[] _probe = [];
    private int _next;
    private InMemoryVectorCollection<int, Item> _single = null!;
    private InMemoryVectorCollection<int, Item> _parallel = null!;
    private InMemoryVectorCollection<int, Item> _int8 = null!;
    private InMemoryVectorCollection<int, Item> _binary = null!;
    private ReadOnlyMemory<float>[] _batch = [];
    private MevdInMemoryBaseline _mevd = null!;
    private (int Streams, long PrefetchBytes) _readConfig = (1, 0);

    /// <summary>Gets or sets the shape: number of stored vectors × dimensions.</summary>
    [ParamsSource(nameof(Shapes))]
    public Shape Size { get; set; } = new(10_000, 384);

    private int N => Size.N;

    private int Dimensions => Size.D;

    /// <summary>Gets the valid (N, D) shapes, restricted by <c>LLMSTACK_VECTOR_SHAPES</c> when it is set.</summary>
    public static IEnumerable<Shape> Shapes()
    {
        Shape[] all = [new(10_000, 384), new(100_000, 384), new(1_000_000, 384), new(10_000, 1536), new(100_000, 1536)];
        string? only = Environment.GetEnvironmentVariable("LLMSTACK_VECTOR_SHAPES");
        return string.IsNullOrWhiteSpace(only) ? all : all.Where(s => only.Split(',', StringSplitOptions.TrimEntries).Contains(s.ToString()));
    }

    /// <summary>Builds the data, the four collections and the probe buffer.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (s_last is { } last && last.Shape == Size)
        {
            VectorSearchBenchmark built = last.Built;
            (_vectors, _queries, _batch, _probe, _mevd) = (built._vectors, built._queries, built._batch, built._probe, built._mevd);
            (_single, _parallel, _int8, _binary) = (built._single, built._parallel, built._int8, built._binary);
            _readConfig = built._readConfig;
            return;
        }

        s_last = null;
        GC.Collect();
        var random = new Random(42);
        float[][] centers = [.. Enumerable.Range(0, 256).Select(_ => Gaussian(random, 1f, Dimensions))];
        _vectors = [.. Enumerable.Range(0, N).Select(_ => Add(centers[random.Next(centers.Length)], Gaussian(random, 0.6f, Dimensions)))];
        _queries = [.. Enumerable.Range(0, BatchSize).Select(_ => Add(centers[random.Next(centers.Length)], Gaussian(random, 0.6f, Dimensions)))];
        _batch = [.. _queries.Select(q => new ReadOnlyMemory<float>(q))];
        _probe = new float[N * Dimensions];
        for (int i = 0; i < _probe.Length; i++)
        {
            _probe[i] = (i % 7) * 0.25f;
        }

        _mevd = new MevdInMemoryBaseline(Definition());
        _mevd.Upsert(Enumerable.Range(0, N).Select(i => new Item { Id = i, Vector = _vectors[i] }));
        _single = await CreateAsync(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1 });
        _parallel = await CreateAsync(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = Environment.ProcessorCount });
        _int8 = await CreateAsync(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1, Quantization = VectorQuantization.Int8 });
        _binary = await CreateAsync(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 1, Quantization = VectorQuantization.Binary });

        _readConfig = NativeProbe.Calibrate(StoredVectors());
        Console.WriteLine($"// recall@10 {Size}: int8 {await RecallAsync(_int8):F3}, binary {await RecallAsync(_binary):F3} (oversampling 10, vs exact float32 over 64 queries)");
        s_last = (Size, this);
    }

    /// <summary>The MEVD InMemory connector's search path (see <see cref="MevdInMemoryBaseline"/>): the baseline.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> MevdInMemoryConnector()
    {
        int sum = 0;
        await foreach (VectorSearchResult<Item> result in _mevd.SearchAsync(NextQuery(), Top))
        {
            sum += result.Record.Id;
        }

        return sum;
    }

    /// <summary>A lean variant of that approach: per-record cosine over an array of arrays, tuples, then a full sort.</summary>
    [Benchmark]
    public int LeanPerRecordCosineFullSort()
    {
        float[] query = NextQuery();
        var scored = new (int Index, float Score)[_vectors.Length];
        for (int i = 0; i < _vectors.Length; i++)
        {
            scored[i] = (i, TensorPrimitives.CosineSimilarity(query, _vectors[i]));
        }

        return scored.OrderByDescending(s => s.Score).Take(Top).Sum(s => s.Index);
    }

    /// <summary>The in-memory index, exact float32, one core.</summary>
    [Benchmark]
    public Task<int> Float32OneCore() => SearchAsync(_single);

    /// <summary>The in-memory index, exact float32, all cores.</summary>
    [Benchmark]
    public Task<int> Float32AllCores() => SearchAsync(_parallel);

    /// <summary>The in-memory index, int8 codes rescored at float32, one core.</summary>
    [Benchmark]
    public Task<int> Int8OneCore() => SearchAsync(_int8);

    /// <summary>The in-memory index, binary codes rescored at float32, one core.</summary>
    [Benchmark]
    public Task<int> BinaryOneCore() => SearchAsync(_binary);

    /// <summary>1,000 queries in one call (blocked scan), one core; the time is per query.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public async Task<int> Float32Batch1000OneCore()
    {
        IReadOnlyList<IReadOnlyList<VectorSearchResult<Item>>> results = await _single.SearchBatchAsync(_batch, Top);
        return results.Sum(r => r[0].Record.Id);
    }

    /// <summary>
    /// The physical limit: one read of the stored float32 vectors of <see cref="Float32OneCore"/> (the very buffer it
    /// scans) by a C loop compiled here with <c>gcc -O3 -march=native</c>: sixteen AVX-512 accumulators, with the stream
    /// count and prefetch distance that read fastest in a sweep on this buffer just before (<see cref="NativeProbe.Calibrate"/>,
    /// printed in the output).
    /// </summary>
    [Benchmark]
    public double CReadProbe() => NativeProbe.ReadSumWith(StoredVectors(), _readConfig.Streams, _readConfig.PrefetchBytes);

    /// <summary>The read probe of sessions 4 to 10 (eight AVX-512 accumulators, one stream, prefetch 2 KB ahead), for comparison.</summary>
    [Benchmark]
    public double CReadProbeSession4() => NativeProbe.ReadSum(StoredVectors());

    /// <summary>The same exact search in C (<c>gcc -O3 -march=native</c>): dot products four rows at a time, top 10 kept in a sorted array.</summary>
    [Benchmark]
    public int CDotScanTopK()
    {
        Span<int> slots = stackalloc int[Top];
        Span<float> scores = stackalloc float[Top];
        int found = NativeProbe.DotScan(StoredVectors(), N, Dimensions, NextQuery(), slots, scores);
        return found + slots[0];
    }

    /// <summary>Sequential read bandwidth in .NET: a Vector512 (or 256) sum with four accumulators over as many bytes as the stored vectors.</summary>
    [Benchmark]
    public float ReadBandwidthProbe()
    {
        ReadOnlySpan<float> data = _probe;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            int i = 0;
            for (; i <= data.Length - 64; i += 64)
            {
                a0 += Vector512.Create(data.Slice(i, 16));
                a1 += Vector512.Create(data.Slice(i + 16, 16));
                a2 += Vector512.Create(data.Slice(i + 32, 16));
                a3 += Vector512.Create(data.Slice(i + 48, 16));
            }

            return Vector512.Sum((a0 + a1) + (a2 + a3));
        }

        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int i = 0; i <= data.Length - 32; i += 32)
        {
            b0 += Vector256.Create(data.Slice(i, 8));
            b1 += Vector256.Create(data.Slice(i + 8, 8));
            b2 += Vector256.Create(data.Slice(i + 16, 8));
            b3 += Vector256.Create(data.Slice(i + 24, 8));
        }

        return Vector256.Sum((b0 + b1) + (b2 + b3));
    }

    internal static float[] Gaussian(Random random, float sigma, int dimensions)
    {
        var v = new float[dimensions];
        for (int i = 0; i < v.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            v[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return v;
    }

    internal static float[] Add(float[] a, float[] b) => [.. a.Zip(b, (x, y) => x + y)];

    private float[] NextQuery() => _queries[_next++ & 63];

    private ReadOnlySpan<float> StoredVectors() => _single.GetBinding("probe").Data.Columns[0].Data.AsSpan(0, N * Dimensions);

    private async Task<int> SearchAsync(InMemoryVectorCollection<int, Item> collection)
    {
        int sum = 0;
        await foreach (VectorSearchResult<Item> result in collection.SearchAsync(NextQuery(), Top))
        {
            sum += result.Record.Id;
        }

        return sum;
    }

    private async Task<InMemoryVectorCollection<int, Item>> CreateAsync(InMemoryVectorStoreOptions options)
    {
        var store = new InMemoryVectorStore(options);
        InMemoryVectorCollection<int, Item> collection = store.GetCollection<int, Item>("items", Definition());
        await collection.EnsureCollectionExistsAsync();
        for (int start = 0; start < _vectors.Length; start += 10_000)
        {
            await collection.UpsertAsync(Enumerable.Range(start, Math.Min(10_000, _vectors.Length - start)).Select(i => new Item { Id = i, Vector = _vectors[i] }));
        }

        return collection;
    }

    private VectorStoreCollectionDefinition Definition() => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Item.Id), typeof(int)),
            new VectorStoreVectorProperty(nameof(Item.Vector), typeof(ReadOnlyMemory<float>), Dimensions),
        ],
    };

    private async Task<double> RecallAsync(InMemoryVectorCollection<int, Item> quantized)
    {
        int hits = 0;
        foreach (float[] query in _queries.Take(64))
        {
            HashSet<int> exact = [.. await _single.SearchAsync(query, Top).Select(r => r.Record.Id).ToListAsync()];
            hits += await quantized.SearchAsync(query, Top).CountAsync(r => exact.Contains(r.Record.Id));
        }

        return hits / (64.0 * Top);
    }

    /// <summary>A benchmark shape.</summary>
    /// <param name="N">The number of stored vectors.</param>
    /// <param name="D">The dimensions.</param>
    public readonly record struct Shape(int N, int D)
    {
        /// <inheritdoc />
        public override string ToString() => $"{N}x{D}";
    }

    /// <summary>The benchmark record.</summary>
    public sealed class Item
    {
        /// <summary>Gets or sets the key.</summary>
        [VectorStoreKey]
        public int Id { get; set; }

        /// <summary>Gets or sets the vector.</summary>
        [VectorStoreVector(384)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }
}
