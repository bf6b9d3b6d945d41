namespace Llm.Stack.VectorIndex;

/// <summary>Search of an HNSW-indexed column: the graph, or an exact scan of the matching records when a filter admits few of them.</summary>
internal static class HnswSearch
{
    /// <summary>
    /// Returns how many matching records a filtered search scores exactly instead of walking the graph, when the query does
    /// not set <see cref="HnswSearchOptions{TRecord}.ExactFilterCutoff"/>: <c>max(2,000, live records / 10)</c>.
    /// </summary>
    /// <remarks>
    /// Measured with <c>HnswFilteredBenchmark</c> forced to each path (100k clustered 384-d vectors, EfSearch 64, one
    /// thread; <c>benchmarks/RESULTS.md</c>): the exact path costs the filter over every record plus a row read per
    /// match, so it grows with the matches; the filtered walk steps over the rejected nodes, so its cost grows about as
    /// 1 / (share admitted). The two cross at about a tenth of the records. The cost model of both paths puts the crossing
    /// near a tenth at 1M records too, so the cutoff is a share of the live records, with a floor below which the scan is
    /// cheap anyway.
    /// </remarks>
    internal static int DefaultExactFilterCutoff(int liveRecords) => Math.Max(2_000, liveRecords / 10);

    /// <summary>Searches column <paramref name="columnIndex"/> of <paramref name="data"/> (caller holds the read lock).</summary>
    /// <remarks>
    /// Never returns fewer than <paramref name="k"/> results while at least that many live records pass the filter: when the
    /// graph walk finds fewer (a filter rejecting most of the region the walk explores), the search falls back to the exact scan.
    /// </remarks>
    public static (float Goodness, int Slot)[] Search(
        CollectionData data, int columnIndex, ReadOnlyMemory<float> queryMemory, int k, int ef, Func<object?[], bool>? filter, int maxDegreeOfParallelism, int? exactFilterCutoff = null)
    {
        VectorColumn column = data.Columns[columnIndex];
        HnswGraph graph = column.Graph!;
        ReadOnlySpan<float> query = queryMemory.Span;
        float queryNorm = MathF.Sqrt(VectorKernels.SumOfSquares(query));
        object?[]?[] values = data.Values;
        bool[] present = column.Present;
        if (filter is not null)
        {
            int threshold = exactFilterCutoff ?? DefaultExactFilterCutoff(data.Count);
            int[] matches = System.Buffers.ArrayPool<int>.Shared.Rent(Math.Min(threshold, data.HighWater) + 1);
            try
            {
                int n = 0;
                bool few = true;
                for (int slot = 0; slot < data.HighWater; slot++)
                {
                    if (present[slot] && filter(values[slot]!))
                    {
                        if (n == threshold)
                        {
                            few = false;
                            break;
                        }

                        matches[n++] = slot;
                    }
                }

                if (few)
                {
                    return ScoreMatches(column, query, queryNorm, matches.AsSpan(0, n), k);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<int>.Shared.Return(matches);
            }
        }

        Func<int, bool> accept = filter is null ? slot => present[slot] : slot => present[slot] && filter(values[slot]!);
        (float Goodness, int Slot)[] results = graph.Search(query, queryNorm, k, Math.Max(ef, k), accept);
        if (results.Length < k)
        {
            (float Goodness, int Slot)[] exact = FlatSearch.Search(data, columnIndex, queryMemory, k, filter, maxDegreeOfParallelism, floatOnly: true);
            if (exact.Length > results.Length)
            {
                return exact;
            }
        }

        return results;
    }

    // The exact path: the matching rows in slot order, each prefetched ExactPrefetchRows matches ahead (the matches are
    // scattered, so the hardware prefetcher cannot see the next one coming).
    private static (float Goodness, int Slot)[] ScoreMatches(VectorColumn column, ReadOnlySpan<float> query, float queryNorm, ReadOnlySpan<int> matches, int k)
    {
        const int ExactPrefetchRows = 4;
        TopK heap = TopK.ForThread(0, Math.Max(1, k));
        DistanceKind kind = column.Spec.Distance;
        int dim = column.Dimensions;
        float[] rows = column.Data;
        float[] norms = column.Norms;
        for (int i = 0; i < matches.Length; i++)
        {
            if (i + ExactPrefetchRows < matches.Length)
            {
                VectorKernels.Prefetch(rows, matches[i + ExactPrefetchRows] * dim, dim);
            }

            int slot = matches[i];
            heap.Add(FlatSearch.Goodness(kind, query, new ReadOnlySpan<float>(rows, slot * dim, dim), queryNorm, norms[slot]), slot);
        }

        return heap.ToSortedArray();
    }
}
