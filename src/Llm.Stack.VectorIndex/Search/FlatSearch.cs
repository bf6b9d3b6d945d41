using System.Runtime.CompilerServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Exact search over a <see cref="VectorColumn"/>: one pass over the contiguous rows, the distance kernel fused with
/// the pre-filter and bounded top-k selection, optionally partitioned across cores.
/// </summary>
/// <remarks>
/// Scores are handled internally as a "goodness" where higher is always better (distances are negated);
/// <see cref="ToScore"/> turns a goodness back into the MEVD score of the distance function.
/// </remarks>
internal static class FlatSearch
{
    /// <summary>Rows × dimensions below which a search stays on one thread.</summary>
    internal const long ParallelThreshold = 1L << 18;

    /// <summary>Searches the live rows of <paramref name="data"/> (caller holds the read lock).</summary>
    public static (float Goodness, int Slot)[] Search(
        CollectionData data, int columnIndex, ReadOnlySpan<float> query, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism)
    {
        VectorColumn column = data.Columns[columnIndex];
        float queryNorm = MathF.Sqrt(VectorKernels.SumOfSquares(query));
        int rows = data.HighWater;
        int partitions = Math.Min(maxDegreeOfParallelism, (int)Math.Max(1, (long)rows * column.Dimensions / ParallelThreshold));
        if (partitions <= 1)
        {
            var heap = new TopK(k);
            ScanRange(column, query, queryNorm, data.Values, 0, rows, filter, heap);
            return heap.ToSortedArray();
        }

        float[] q = query.ToArray();
        var heaps = new TopK[partitions];
        object?[]?[] values = data.Values;
        Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = partitions }, p =>
        {
            int start = (int)((long)rows * p / partitions);
            int end = (int)((long)rows * (p + 1) / partitions);
            var local = new TopK(k);
            ScanRange(column, q, queryNorm, values, start, end, filter, local);
            heaps[p] = local;
        });

        TopK merged = heaps[0];
        for (int p = 1; p < partitions; p++)
        {
            merged.Merge(heaps[p]);
        }

        return merged.ToSortedArray();
    }

    /// <summary>Scans rows <c>[start, end)</c> into <paramref name="heap"/>.</summary>
    public static void ScanRange(
        VectorColumn column, ReadOnlySpan<float> query, float queryNorm, object?[]?[] values, int start, int end, Func<object?[], bool>? filter, TopK heap)
    {
        switch (column.Spec.Distance)
        {
            case DistanceKind.CosineSimilarity:
            case DistanceKind.CosineDistance:
                Scan<CosineScorer>(column, query, queryNorm, values, start, end, filter, heap);
                break;
            case DistanceKind.DotProductSimilarity:
            case DistanceKind.NegativeDotProductSimilarity:
                Scan<DotScorer>(column, query, queryNorm, values, start, end, filter, heap);
                break;
            case DistanceKind.EuclideanDistance:
            case DistanceKind.EuclideanSquaredDistance:
                Scan<L2Scorer>(column, query, queryNorm, values, start, end, filter, heap);
                break;
            case DistanceKind.ManhattanDistance:
                Scan<L1Scorer>(column, query, queryNorm, values, start, end, filter, heap);
                break;
            default:
                Scan<HammingScorer>(column, query, queryNorm, values, start, end, filter, heap);
                break;
        }
    }

    /// <summary>Computes the goodness of one stored vector against a query.</summary>
    public static float Goodness(DistanceKind kind, ReadOnlySpan<float> query, ReadOnlySpan<float> row) => kind switch
    {
        DistanceKind.CosineSimilarity or DistanceKind.CosineDistance =>
            CosineScorer.Goodness(query, row, MathF.Sqrt(VectorKernels.SumOfSquares(query)), MathF.Sqrt(VectorKernels.SumOfSquares(row))),
        DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity => VectorKernels.Dot(query, row),
        DistanceKind.EuclideanDistance or DistanceKind.EuclideanSquaredDistance => -VectorKernels.EuclideanSquared(query, row),
        DistanceKind.ManhattanDistance => -VectorKernels.Manhattan(query, row),
        _ => -VectorKernels.Hamming(query, row),
    };

    /// <summary>Converts an internal goodness into the MEVD score of <paramref name="kind"/>.</summary>
    public static double ToScore(DistanceKind kind, float goodness) => kind switch
    {
        DistanceKind.CosineSimilarity or DistanceKind.DotProductSimilarity => goodness,
        DistanceKind.CosineDistance => 1.0 - goodness,
        DistanceKind.EuclideanDistance => Math.Sqrt(Math.Max(0, -(double)goodness)),
        _ => -(double)goodness,
    };

    /// <summary>Returns whether <paramref name="score"/> passes a MEVD score threshold for <paramref name="kind"/>.</summary>
    public static bool PassesThreshold(DistanceKind kind, double score, double threshold)
        => Distances.HigherIsBetter(kind) ? score >= threshold : score <= threshold;

    private static void Scan<TScorer>(
        VectorColumn column, ReadOnlySpan<float> query, float queryNorm, object?[]?[] values, int start, int end, Func<object?[], bool>? filter, TopK heap)
        where TScorer : struct, IScorer
    {
        int dim = column.Dimensions;
        float[] data = column.Data;
        float[] norms = column.Norms;
        bool[] present = column.Present;
        float threshold = heap.Threshold;
        for (int slot = start; slot < end; slot++)
        {
            if (!present[slot])
            {
                continue;
            }

            if (filter is not null && !filter(values[slot]!))
            {
                continue;
            }

            float g = TScorer.Goodness(query, new ReadOnlySpan<float>(data, slot * dim, dim), queryNorm, norms[slot]);
            if (g > threshold)
            {
                heap.Add(g, slot);
                threshold = heap.Threshold;
            }
        }
    }

    private interface IScorer
    {
        static abstract float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm);
    }

    private readonly struct CosineScorer : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => VectorKernels.Dot(query, row) / (queryNorm * rowNorm);
    }

    private readonly struct DotScorer : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => VectorKernels.Dot(query, row);
    }

    private readonly struct L2Scorer : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => -VectorKernels.EuclideanSquared(query, row);
    }

    private readonly struct L1Scorer : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => -VectorKernels.Manhattan(query, row);
    }

    private readonly struct HammingScorer : IScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => -VectorKernels.Hamming(query, row);
    }
}
