using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>How far ahead, in bytes, the four-row int8 scan prefetches: the distance the four-row float32 scan prefetches at 384 dimensions.</summary>
    private const int Int8PrefetchBytes = 6 * 1024;

    /// <summary>Searches the live rows of <paramref name="data"/> (caller holds the read lock).</summary>
    /// <remarks>
    /// Exact columns are scanned once with the fused kernel. Quantized columns are scanned over their codes for
    /// <paramref name="oversampling"/> × <paramref name="k"/> candidates, which are then rescored exactly. On one
    /// partition nothing is allocated but the returned array (heaps are per thread, query codes pooled).
    /// <paramref name="floatOnly"/> scans the float32 rows of a quantized column too (an exact search).
    /// </remarks>
    public static (float Goodness, int Slot)[] Search(
        CollectionData data, int columnIndex, ReadOnlyMemory<float> queryMemory, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism, int oversampling = 1, bool floatOnly = false)
    {
        VectorColumn column = data.Columns[columnIndex];
        ReadOnlySpan<float> query = queryMemory.Span;
        float queryNorm = MathF.Sqrt(VectorKernels.SumOfSquares(query));
        int rows = data.HighWater;
        if (floatOnly || column.Quantization == VectorQuantization.None)
        {
            int partitions = Partitions(rows, column.Dimensions * sizeof(float), maxDegreeOfParallelism);
            if (partitions <= 1)
            {
                TopK heap = TopK.ForThread(0, k);
                ScanRange(column, query, queryNorm, data.Values, 0, rows, filter, heap);
                return heap.ToSortedArray();
            }

            return ScanExactPartitioned(data, column, queryMemory, queryNorm, k, filter, partitions).ToSortedArray();
        }

        int candidates = (int)Math.Min(Math.Max(1, data.Count), (long)k * oversampling);
        TopK coarse;
        if (column.Quantization == VectorQuantization.Int8)
        {
            byte[] codes = ArrayPool<byte>.Shared.Rent(column.Dimensions);
            try
            {
                float scale = QuantizedKernels.EncodeQueryInt8(query, codes);
                int partitions = Partitions(rows, column.Dimensions, maxDegreeOfParallelism);
                if (partitions <= 1)
                {
                    coarse = TopK.ForThread(1, candidates);
                    ScanInt8(column, codes, scale, queryNorm, data.Values, 0, rows, filter, coarse);
                }
                else
                {
                    coarse = ScanInt8Partitioned(data, column, codes, scale, queryNorm, candidates, filter, partitions);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(codes);
            }
        }
        else
        {
            ulong[] bits = ArrayPool<ulong>.Shared.Rent(column.Words);
            try
            {
                QuantizedKernels.EncodeBinary(query, bits.AsSpan(0, column.Words));
                int partitions = Partitions(rows, column.Words * sizeof(ulong), maxDegreeOfParallelism);
                if (partitions <= 1)
                {
                    coarse = TopK.ForThread(1, candidates);
                    ScanBinary(column, bits, data.Values, 0, rows, filter, coarse);
                }
                else
                {
                    coarse = ScanBinaryPartitioned(data, column, bits, candidates, filter, partitions);
                }
            }
            finally
            {
                ArrayPool<ulong>.Shared.Return(bits);
            }
        }

        // Rescore the candidates in slot order (as an exact scan would meet them) at full precision.
        coarse.SortBySlot();
        TopK exact = TopK.ForThread(0, k);
        DistanceKind kind = column.Spec.Distance;
        for (int i = 0; i < coarse.Count; i++)
        {
            int slot = coarse.SlotAt(i);
            exact.Add(Goodness(kind, query, column.Row(slot), queryNorm, column.Norms[slot]), slot);
        }

        return exact.ToSortedArray();
    }

    private static int Partitions(int rows, int bytesPerRow, int maxDegreeOfParallelism)
        => (int)Math.Min(maxDegreeOfParallelism, Math.Max(1, (long)rows * bytesPerRow / (ParallelThreshold * sizeof(float))));

    private static TopK ScanExactPartitioned(CollectionData data, VectorColumn column, ReadOnlyMemory<float> query, float queryNorm, int k, Func<object?[], bool>? filter, int partitions)
        => Partitioned(data.HighWater, k, partitions, (start, end, heap) => ScanRange(column, query.Span, queryNorm, data.Values, start, end, filter, heap));

    private static TopK ScanInt8Partitioned(CollectionData data, VectorColumn column, byte[] codes, float scale, float queryNorm, int k, Func<object?[], bool>? filter, int partitions)
        => Partitioned(data.HighWater, k, partitions, (start, end, heap) => ScanInt8(column, codes, scale, queryNorm, data.Values, start, end, filter, heap));

    private static TopK ScanBinaryPartitioned(CollectionData data, VectorColumn column, ulong[] bits, int k, Func<object?[], bool>? filter, int partitions)
        => Partitioned(data.HighWater, k, partitions, (start, end, heap) => ScanBinary(column, bits, data.Values, start, end, filter, heap));

    /// <summary>Scores many queries in one pass: rows are visited in blocks, and each block is scored against every query while it is in cache.</summary>
    /// <remarks>
    /// Dot-product and cosine functions run the register-blocked <see cref="BatchKernels"/> tile (4 queries × 4 rows)
    /// into a per-query heap of <c>k + 8</c> candidates, which are then rescored with the one-query kernel so that each
    /// query's results and scores are exactly those of <see cref="Search"/>. Other distance functions scan each block
    /// once per query.
    /// </remarks>
    public static (float Goodness, int Slot)[][] SearchBatch(
        CollectionData data, int columnIndex, float[][] queries, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism)
    {
        VectorColumn column = data.Columns[columnIndex];
        DistanceKind kind = column.Spec.Distance;
        return kind is DistanceKind.CosineSimilarity or DistanceKind.CosineDistance or DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity
            ? SearchBatchBlocked(data, column, queries, k, filter, maxDegreeOfParallelism)
            : SearchBatchPerQuery(data, column, queries, k, filter, maxDegreeOfParallelism);
    }

    private static (float Goodness, int Slot)[][] SearchBatchBlocked(
        CollectionData data, VectorColumn column, float[][] queries, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism)
    {
        object?[]?[] values = data.Values;
        int rows = data.HighWater;
        int dim = column.Dimensions;
        DistanceKind kind = column.Spec.Distance;
        bool cosine = kind is DistanceKind.CosineSimilarity or DistanceKind.CosineDistance;
        float[] queryNorms = [.. queries.Select(q => MathF.Sqrt(VectorKernels.SumOfSquares(q)))];
        var results = new (float Goodness, int Slot)[queries.Length][];
        int rowBytes = Math.Max(1, dim) * sizeof(float);
        int rowBlock = Math.Max(4, ((128 * 1024) / rowBytes) & ~3); // ~128 KiB of rows: stays in L2 while the group's queries pass over it
        int groupSize = Math.Clamp(((512 * 1024) / rowBytes) & ~3, 4, 256); // the group's queries stay in L2 too
        int groups = (queries.Length + groupSize - 1) / groupSize;
        int coarseK = k + 8;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, g =>
        {
            int first = g * groupSize;
            int last = Math.Min(queries.Length, first + groupSize);
            var heaps = new TopK[last - first];
            float[] thresholds = new float[last - first];
            for (int q = first; q < last; q++)
            {
                heaps[q - first] = new TopK(coarseK);
                thresholds[q - first] = float.NegativeInfinity;
            }

            int[] live = new int[rowBlock];
            float[] dots = new float[16];
            float[] stored = column.Data;
            float[] norms = column.Norms;
            bool[] present = column.Present;
            for (int start = 0; start < rows; start += rowBlock)
            {
                int end = Math.Min(rows, start + rowBlock);
                int m = 0;
                for (int slot = start; slot < end; slot++)
                {
                    if (present[slot] && (filter is null || filter(values[slot]!)))
                    {
                        live[m++] = slot;
                    }
                }

                int q = first;
                for (; q + 4 <= last; q += 4)
                {
                    int j = 0;
                    for (; j + 4 <= m; j += 4)
                    {
                        Tile(queries[q], queries[q + 1], queries[q + 2], queries[q + 3], stored, dim, live[j], live[j + 1], live[j + 2], live[j + 3], dots);
                        for (int t = 0; t < 16; t++)
                        {
                            int qi = q - first + (t >> 2);
                            int slot = live[j + (t & 3)];
                            float goodness = cosine ? dots[t] / (queryNorms[q + (t >> 2)] * norms[slot]) : dots[t];
                            if (goodness > thresholds[qi])
                            {
                                heaps[qi].Add(goodness, slot);
                                thresholds[qi] = heaps[qi].Threshold;
                            }
                        }
                    }

                    for (; j < m; j++)
                    {
                        for (int t = 0; t < 4; t++)
                        {
                            OfferOne(queries[q + t], queryNorms[q + t], stored, norms, dim, live[j], cosine, heaps, thresholds, q + t - first);
                        }
                    }
                }

                for (; q < last; q++)
                {
                    for (int j = 0; j < m; j++)
                    {
                        OfferOne(queries[q], queryNorms[q], stored, norms, dim, live[j], cosine, heaps, thresholds, q - first);
                    }
                }
            }

            for (int q = first; q < last; q++)
            {
                // Rescore the candidates in slot order with the one-query kernel, as Search's scan would see them.
                (float Goodness, int Slot)[] coarse = heaps[q - first].ToSortedArray();
                Array.Sort(coarse, static (a, b) => a.Slot.CompareTo(b.Slot));
                var exact = new TopK(Math.Min(k, Math.Max(1, coarse.Length)));
                foreach ((float _, int slot) in coarse)
                {
                    exact.Add(Goodness(kind, queries[q], column.Row(slot), queryNorms[q], norms[slot]), slot);
                }

                results[q] = exact.ToSortedArray();
            }
        });
        return results;
    }

    private static void OfferOne(float[] query, float queryNorm, float[] stored, float[] norms, int dim, int slot, bool cosine, TopK[] heaps, float[] thresholds, int qi)
    {
        float dot = VectorKernels.Dot(query, new ReadOnlySpan<float>(stored, slot * dim, dim));
        float goodness = cosine ? dot / (queryNorm * norms[slot]) : dot;
        if (goodness > thresholds[qi])
        {
            heaps[qi].Add(goodness, slot);
            thresholds[qi] = heaps[qi].Threshold;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(float[] q0, float[] q1, float[] q2, float[] q3, float[] stored, int dim, int s0, int s1, int s2, int s3, float[] dots)
    {
        if (Vector512.IsHardwareAccelerated && dim >= Vector512<float>.Count)
        {
            ref float rows = ref MemoryMarshal.GetArrayDataReference(stored);
            BatchKernels.Tile512(
                ref MemoryMarshal.GetArrayDataReference(q0), ref MemoryMarshal.GetArrayDataReference(q1), ref MemoryMarshal.GetArrayDataReference(q2), ref MemoryMarshal.GetArrayDataReference(q3),
                ref Unsafe.Add(ref rows, (nint)s0 * dim), ref Unsafe.Add(ref rows, (nint)s1 * dim), ref Unsafe.Add(ref rows, (nint)s2 * dim), ref Unsafe.Add(ref rows, (nint)s3 * dim),
                dim,
                ref MemoryMarshal.GetArrayDataReference(dots));
            return;
        }

        BatchKernels.Dot4x4(
            q0, q1, q2, q3,
            new ReadOnlySpan<float>(stored, s0 * dim, dim), new ReadOnlySpan<float>(stored, s1 * dim, dim), new ReadOnlySpan<float>(stored, s2 * dim, dim), new ReadOnlySpan<float>(stored, s3 * dim, dim),
            dots);
    }

    private static (float Goodness, int Slot)[][] SearchBatchPerQuery(
        CollectionData data, VectorColumn column, float[][] queries, int k, Func<object?[], bool>? filter, int maxDegreeOfParallelism)
    {
        object?[]?[] values = data.Values;
        int rows = data.HighWater;
        float[] norms = [.. queries.Select(q => MathF.Sqrt(VectorKernels.SumOfSquares(q)))];
        var results = new (float Goodness, int Slot)[queries.Length][];
        int rowBlock = Math.Max(16, (256 * 1024) / (Math.Max(1, column.Dimensions) * sizeof(float))); // ~256 KiB of rows: stays in L2
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

    private static TopK Partitioned(int rows, int k, int partitions, Action<int, int, TopK> scan)
    {
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

    /// <summary>
    /// Scans rows <c>[start, end)</c> of an int8 column with biased query codes into <paramref name="heap"/>: four rows per
    /// step without a filter (where <see cref="QuantizedKernels.CanDotBiased4"/>), else one row per step; the scores are the same bit for bit.
    /// </summary>
    internal static void ScanInt8(
        VectorColumn column, byte[] query, float queryScale, float queryNorm, object?[]?[] values, int start, int end, Func<object?[], bool>? filter, TopK heap)
    {
        int dim = column.Dimensions;
        ref byte q = ref MemoryMarshal.GetArrayDataReference(query);
        ref sbyte codes = ref MemoryMarshal.GetArrayDataReference(column.Codes);
        float[] scales = column.Scales;
        int[] sums = column.CodeSums;
        float[] norms = column.Norms;
        bool[] present = column.Present;
        DistanceKind kind = column.Spec.Distance;
        bool cosine = kind is DistanceKind.CosineSimilarity or DistanceKind.CosineDistance;
        bool dotProduct = kind is DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity;
        float queryNormSquared = queryNorm * queryNorm;
        float threshold = heap.Threshold;
        sbyte[] codeArray = column.Codes;

        int slot = start;
        if (filter is null && QuantizedKernels.CanDotBiased4(dim))
        {
            slot = ScanInt8Four(column, query, queryScale, queryNorm, start, end, heap);
            threshold = heap.Threshold;
        }

        // Prefetching is for the full scan: with a filter most rows may be skipped unread, and prefetching them all
        // would turn a selective filtered scan into a read of the whole column.
        bool prefetch = filter is null;
        for (; slot < end; slot++)
        {
            if (prefetch && slot + 2 < end)
            {
                VectorKernels.Prefetch(codeArray, (slot + 2) * dim, dim);
            }

            if (!present[slot] || (filter is not null && !filter(values[slot]!)))
            {
                continue;
            }

            int raw = QuantizedKernels.DotBiased(ref q, ref Unsafe.Add(ref codes, (nint)slot * dim), dim) - (QuantizedKernels.QueryBias * sums[slot]);
            float dot = raw * queryScale * scales[slot];
            float g = cosine ? dot / (queryNorm * norms[slot])
                : dotProduct ? dot
                : (2 * dot) - queryNormSquared - (norms[slot] * norms[slot]);
            if (g > threshold)
            {
                heap.Add(g, slot);
                threshold = heap.Threshold;
            }
        }
    }

    // The unfiltered int8 scan, four rows per step (QuantizedKernels.DotBiased4: each query chunk loaded once for the four
    // rows), prefetching the four rows Int8PrefetchBytes ahead. The four goodness values are computed side by side with the
    // very operations, in the same order, of ScanInt8's one-row loop, so every score is bit-for-bit the one-row score, and
    // the step is skipped at once when none of its present rows beats the threshold. Absent (deleted) slots inside a step are
    // computed and skipped. Returns the first slot it did not score (the caller's one-row loop finishes the tail).
    private static int ScanInt8Four(VectorColumn column, byte[] query, float queryScale, float queryNorm, int start, int end, TopK heap)
    {
        int dim = column.Dimensions;
        ref byte q = ref MemoryMarshal.GetArrayDataReference(query);
        sbyte[] codeArray = column.Codes;
        ref sbyte codes = ref MemoryMarshal.GetArrayDataReference(codeArray);
        ref float scales = ref MemoryMarshal.GetArrayDataReference(column.Scales);
        ref int sums = ref MemoryMarshal.GetArrayDataReference(column.CodeSums);
        ref float norms = ref MemoryMarshal.GetArrayDataReference(column.Norms);
        ref byte present = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetArrayDataReference(column.Present));
        DistanceKind kind = column.Spec.Distance;
        bool cosine = kind is DistanceKind.CosineSimilarity or DistanceKind.CosineDistance;
        bool dotProduct = kind is DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity;
        Vector128<float> queryScales = Vector128.Create(queryScale);
        Vector128<float> queryNorms = Vector128.Create(queryNorm);
        Vector128<float> queryNormsSquared = Vector128.Create(queryNorm * queryNorm);
        Vector128<float> two = Vector128.Create(2f);
        Vector128<int> bias = Vector128.Create(QuantizedKernels.QueryBias);
        int ahead = Math.Max(4, (Int8PrefetchBytes / dim) & ~3);
        float threshold = heap.Threshold;
        int slot = start;
        for (; slot + 4 <= end; slot += 4)
        {
            VectorKernels.Prefetch(codeArray, (slot + ahead) * dim, 4 * dim);
            Vector128<int> raw = QuantizedKernels.DotBiased4(ref q, ref Unsafe.Add(ref codes, (nint)slot * dim), dim)
                - (bias * Vector128.LoadUnsafe(ref sums, (nuint)slot));
            Vector128<float> dot = Vector128.ConvertToSingle(raw) * queryScales * Vector128.LoadUnsafe(ref scales, (nuint)slot);
            Vector128<float> g;
            if (cosine)
            {
                g = dot / (queryNorms * Vector128.LoadUnsafe(ref norms, (nuint)slot));
            }
            else if (dotProduct)
            {
                g = dot;
            }
            else
            {
                Vector128<float> rowNorms = Vector128.LoadUnsafe(ref norms, (nuint)slot);
                g = ((two * dot) - queryNormsSquared) - (rowNorms * rowNorms);
            }

            if (Vector128.GreaterThanAny(g, Vector128.Create(threshold)))
            {
                for (int j = 0; j < 4; j++)
                {
                    float gj = g.GetElement(j);
                    if (gj > threshold && Unsafe.Add(ref present, slot + j) != 0)
                    {
                        heap.Add(gj, slot + j);
                        threshold = heap.Threshold;
                    }
                }
            }
        }

        return slot;
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

            float g = -QuantizedKernels.Hamming(new ReadOnlySpan<ulong>(query, 0, words), new ReadOnlySpan<ulong>(bits, slot * words, words));
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
                if (filter is null && VectorKernels.CanDot4(column.Dimensions))
                {
                    ScanDot4<CosineScorer>(column, query, queryNorm, start, end, heap);
                }
                else
                {
                    Scan<CosineScorer>(column, query, queryNorm, values, start, end, filter, heap);
                }

                break;
            case DistanceKind.DotProductSimilarity:
            case DistanceKind.NegativeDotProductSimilarity:
                if (filter is null && VectorKernels.CanDot4(column.Dimensions))
                {
                    ScanDot4<DotScorer>(column, query, queryNorm, start, end, heap);
                }
                else
                {
                    Scan<DotScorer>(column, query, queryNorm, values, start, end, filter, heap);
                }

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
        bool prefetch = filter is null; // as in ScanInt8: a filtered scan must not read the rows it skips
        for (int slot = start; slot < end; slot++)
        {
            if (prefetch && slot + 1 < end)
            {
                VectorKernels.Prefetch(data, (slot + 1) * dim, dim);
            }

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

    // The unfiltered full scan of a dot-based distance, four rows per step (VectorKernels.Dot4: each query vector loaded
    // once for the four rows) with the next four rows prefetched; the scores are bit-for-bit those of Scan<TScorer>.
    // Absent (deleted) slots inside a step are computed and skipped: cheaper than breaking the step, never returned.
    private static void ScanDot4<TScorer>(VectorColumn column, ReadOnlySpan<float> query, float queryNorm, int start, int end, TopK heap)
        where TScorer : struct, IDotScorer
    {
        int dim = column.Dimensions;
        float[] data = column.Data;
        float[] norms = column.Norms;
        bool[] present = column.Present;
        float threshold = heap.Threshold;
        Span<float> dots = stackalloc float[4];
        int slot = start;
        for (; slot + 4 <= end; slot += 4)
        {
            VectorKernels.Prefetch(data, (slot + 4) * dim, 4 * dim);
            VectorKernels.Dot4(query, new ReadOnlySpan<float>(data, slot * dim, 4 * dim), dots);
            for (int j = 0; j < 4; j++)
            {
                int row = slot + j;
                if (present[row])
                {
                    float g = TScorer.FromDot(dots[j], queryNorm, norms[row]);
                    if (g > threshold)
                    {
                        heap.Add(g, row);
                        threshold = heap.Threshold;
                    }
                }
            }
        }

        for (; slot < end; slot++)
        {
            if (present[slot])
            {
                float g = TScorer.Goodness(query, new ReadOnlySpan<float>(data, slot * dim, dim), queryNorm, norms[slot]);
                if (g > threshold)
                {
                    heap.Add(g, slot);
                    threshold = heap.Threshold;
                }
            }
        }
    }

    private interface IScorer
    {
        static abstract float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm);
    }

    // A scorer whose goodness is a function of the dot product (cosine, dot): ScanDot4 computes the dots four rows at a time.
    private interface IDotScorer : IScorer
    {
        static abstract float FromDot(float dot, float queryNorm, float rowNorm);
    }

    private readonly struct CosineScorer : IDotScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => FromDot(VectorKernels.Dot(query, row), queryNorm, rowNorm);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float FromDot(float dot, float queryNorm, float rowNorm) => dot / (queryNorm * rowNorm);
    }

    private readonly struct DotScorer : IDotScorer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Goodness(ReadOnlySpan<float> query, ReadOnlySpan<float> row, float queryNorm, float rowNorm)
            => VectorKernels.Dot(query, row);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float FromDot(float dot, float queryNorm, float rowNorm) => dot;
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
