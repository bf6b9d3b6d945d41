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
    /// <remarks>
    /// Exact columns are scanned once with the fused kernel. Quantized columns are scanned over their codes for
    /// <paramref name="oversampling"/> × <paramref name="k"/> candidates, which are then rescored exactly.
    /// </remarks>
    public static (float Goodness, int Slot)[] Search(
        CollectionData data, int columnIndex, ReadOnlySpan<float> query, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism, int oversampling = 1)
    {
        VectorColumn column = data.Columns[columnIndex];
        float queryNorm = MathF.Sqrt(VectorKernels.SumOfSquares(query));
        object?[]?[] values = data.Values;
        int rows = data.HighWater;
        if (column.Quantization == VectorQuantization.None)
        {
            float[] q = query.ToArray();
            return Partitioned(rows, column.Dimensions * sizeof(float), k, maxDegreeOfParallelism, (start, end, heap) => ScanRange(column, q, queryNorm, values, start, end, filter, heap)).ToSortedArray();
        }

        int candidates = (int)Math.Min(Math.Max(1, data.Count), (long)k * oversampling);
        TopK coarse;
        if (column.Quantization == VectorQuantization.Int8)
        {
            var codes = new sbyte[column.Dimensions];
            float scale = QuantizedKernels.EncodeInt8(query, codes);
            coarse = Partitioned(rows, column.Dimensions, candidates, maxDegreeOfParallelism, (start, end, heap) => ScanInt8(column, codes, scale, queryNorm, values, start, end, filter, heap));
        }
        else
        {
            var bits = new ulong[column.Words];
            QuantizedKernels.EncodeBinary(query, bits);
            coarse = Partitioned(rows, column.Words * sizeof(ulong), candidates, maxDegreeOfParallelism, (start, end, heap) => ScanBinary(column, bits, values, start, end, filter, heap));
        }

        var exact = new TopK(k);
        foreach ((float _, int slot) in coarse.ToSortedArray())
        {
            exact.Add(Goodness(column.Spec.Distance, query, column.Row(slot), queryNorm, column.Norms[slot]), slot);
        }

        return exact.ToSortedArray();
    }

    /// <summary>Scores many queries in one pass: rows are visited in blocks, and each block is scored against every query while it is in cache.</summary>
    public static (float Goodness, int Slot)[][] SearchBatch(
        CollectionData data, int columnIndex, float[][] queries, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism)
    {
        VectorColumn column = data.Columns[columnIndex];
        object?[]?[] values = data.Values;
        int rows = data.HighWater;
        float[] norms = [.. queries.Select(q => MathF.Sqrt(VectorKernels.SumOfSquares(q)))];
        var results = new (float Goodness, int Slot)[queries.Length][];
        int rowBlock = Math.Max(16, (256 * 1024) / (column.Dimensions * sizeof(float))); // ~256 KiB of rows: stays in L2
        const int QueryBlock = 64;
        int groups = (queries.Length + QueryBlock - 1) / QueryBlock;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, g =>
        {
            int first = g * QueryBlock;
            int last = Math.Min(queries.Length, first + QueryBlock);
            var heaps = new TopK[last - first];
            for (int q = first; q < last; q++)
            {
                heaps[q - first] = new TopK(k);
            }

            for (int start = 0; start < rows; start += rowBlock)
            {
                int end = Math.Min(rows, start + rowBlock);
                for (int q = first; q < last; q++)
                {
                    ScanRange(column, queries[q], norms[q], values, start, end, filter, heaps[q - first]);
                }
            }

            for (int q = first; q < last; q++)
            {
                results[q] = heaps[q - first].ToSortedArray();
            }
        });
        return results;
    }

    /// <summary>Computes the goodness of one row with a precomputed norm.</summary>
    public static float Goodness(DistanceKind kind, ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm) => kind switch
    {
        DistanceKind.CosineSimilarity or DistanceKind.CosineDistance => CosineScorer.Goodness(query, row, queryNorm, rowNorm),
        DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity => VectorKernels.Dot(query, row),
        DistanceKind.EuclideanDistance or DistanceKind.EuclideanSquaredDistance => -VectorKernels.EuclideanSquared(query, row),
        DistanceKind.ManhattanDistance => -VectorKernels.Manhattan(query, row),
        _ => -VectorKernels.Hamming(query, row),
    };

    private static TopK Partitioned(int rows, int bytesPerRow, int k, int maxDegreeOfParallelism, Action<int, int, TopK> scan)
    {
        int partitions = (int)Math.Min(maxDegreeOfParallelism, Math.Max(1, (long)rows * bytesPerRow / (ParallelThreshold * sizeof(float))));
        if (partitions <= 1)
        {
            var heap = new TopK(k);
            scan(0, rows, heap);
            return heap;
        }

        var heaps = new TopK[partitions];
        Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = partitions }, p =>
        {
            var local = new TopK(k);
            scan((int)((long)rows * p / partitions), (int)((long)rows * (p + 1) / partitions), local);
            heaps[p] = local;
        });

        for (int p = 1; p < partitions; p++)
        {
            heaps[0].Merge(heaps[p]);
        }

        return heaps[0];
    }

    private static void ScanInt8(
        VectorColumn column, sbyte[] query, float queryScale, float queryNorm, object?[]?[] values, int start, int end, Func<object?[], bool>? filter, TopK heap)
    {
        int dim = column.Dimensions;
        sbyte[] codes = column.Codes;
        float[] scales = column.Scales;
        float[] norms = column.Norms;
        bool[] present = column.Present;
        DistanceKind kind = column.Spec.Distance;
        float queryNormSquared = queryNorm * queryNorm;
        float threshold = heap.Threshold;
        for (int slot = start; slot < end; slot++)
        {
            if (!present[slot] || (filter is not null && !filter(values[slot]!)))
            {
                continue;
            }

            float dot = QuantizedKernels.DotInt8(query, new ReadOnlySpan<sbyte>(codes, slot * dim, dim)) * queryScale * scales[slot];
            float g = kind switch
            {
                DistanceKind.CosineSimilarity or DistanceKind.CosineDistance => dot / (queryNorm * norms[slot]),
                DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity => dot,
                _ => (2 * dot) - queryNormSquared - (norms[slot] * norms[slot]),
            };
            if (g > threshold)
            {
                heap.Add(g, slot);
                threshold = heap.Threshold;
            }
        }
    }

    private static void ScanBinary(VectorColumn column, ulong[] query, object?[]?[] values, int start, int end, Func<object?[], bool>? filter, TopK heap)
    {
        int words = column.Words;
        ulong[] bits = column.Bits;
        bool[] present = column.Present;
        float threshold = heap.Threshold;
        for (int slot = start; slot < end; slot++)
        {
            if (!present[slot] || (filter is not null && !filter(values[slot]!)))
            {
                continue;
            }

            float g = -QuantizedKernels.Hamming(query, new ReadOnlySpan<ulong>(bits, slot * words, words));
            if (g > threshold)
            {
                heap.Add(g, slot);
                threshold = heap.Threshold;
            }
        }
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
