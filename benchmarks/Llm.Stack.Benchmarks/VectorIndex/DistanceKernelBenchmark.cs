using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Llm.Stack.VectorIndex;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The index's distance kernels against <see cref="TensorPrimitives"/> on the same 384-dimensional vectors, scanning
/// 1,000 contiguous rows per call (cache-resident, so this measures compute, not memory).
/// </summary>
public class DistanceKernelBenchmark
{
    private const int Rows = 1000;

    private float[] _rows = [];
    private float[] _query = [];

    /// <summary>Gets or sets the number of dimensions.</summary>
    [Params(384)]
    public int Dimensions { get; set; }

    /// <summary>Builds the rows and the query.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _rows = [.. Enumerable.Range(0, Rows * Dimensions).Select(_ => (float)random.NextDouble() - 0.5f)];
        _query = [.. Enumerable.Range(0, Dimensions).Select(_ => (float)random.NextDouble() - 0.5f)];
    }

    /// <summary>TensorPrimitives.Dot per row.</summary>
    [Benchmark(Baseline = true)]
    public float TensorPrimitivesDot()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            sum += TensorPrimitives.Dot(_query, _rows.AsSpan(r * Dimensions, Dimensions));
        }

        return sum;
    }

    /// <summary>The index's dot kernel per row.</summary>
    [Benchmark]
    public float KernelDot()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            sum += VectorKernels.Dot(_query, _rows.AsSpan(r * Dimensions, Dimensions));
        }

        return sum;
    }

    /// <summary>TensorPrimitives.Distance (Euclidean) per row.</summary>
    [Benchmark]
    public float TensorPrimitivesDistance()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            sum += TensorPrimitives.Distance(_query, _rows.AsSpan(r * Dimensions, Dimensions));
        }

        return sum;
    }

    /// <summary>The index's squared Euclidean kernel per row (plus a square root, to compare like with like).</summary>
    [Benchmark]
    public float KernelEuclidean()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            sum += MathF.Sqrt(VectorKernels.EuclideanSquared(_query, _rows.AsSpan(r * Dimensions, Dimensions)));
        }

        return sum;
    }

    /// <summary>TensorPrimitives.CosineSimilarity per row (norms recomputed each time, as MEVD InMemory does).</summary>
    [Benchmark]
    public float TensorPrimitivesCosine()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            sum += TensorPrimitives.CosineSimilarity(_query, _rows.AsSpan(r * Dimensions, Dimensions));
        }

        return sum;
    }
}
