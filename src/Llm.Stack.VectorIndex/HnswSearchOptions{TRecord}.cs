using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex;

/// <summary>Vector search options with the HNSW parameters of one query: the candidate list size and the filtered exact-search cutoff.</summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// Pass an instance wherever <see cref="VectorSearchOptions{TRecord}"/> is accepted by an <see cref="InMemoryVectorCollection{TKey, TRecord}"/>
/// (<c>SearchAsync</c>, <c>SearchBatchAsync</c>). On a property that is not HNSW-indexed <see cref="EfSearch"/> and <see cref="ExactFilterCutoff"/> are ignored.
/// </remarks>
public sealed class HnswSearchOptions<TRecord> : VectorSearchOptions<TRecord>
{
    /// <summary>Gets or sets the size of the candidate list of this search, overriding <see cref="HnswOptions.EfSearch"/>.</summary>
    /// <value>
    /// Larger is slower with higher recall; at least <c>Skip + top</c> is used. The default value is <see langword="null"/>:
    /// the collection's <see cref="HnswOptions.EfSearch"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int? EfSearch
    {
        get;
        set
        {
            if (value is int ef)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1, nameof(value));
            }

            field = value;
        }
    }

    /// <summary>
    /// Gets or sets the number of matching records below which a filtered search of this query scores the matching records
    /// exactly instead of walking the graph, overriding the default cutoff.
    /// </summary>
    /// <value>
    /// With a filter, the search first counts the live records it admits, stopping at the cutoff. Fewer than the cutoff:
    /// they are scored exactly (recall 1; the cost grows with the number of records, since the filter runs over all of
    /// them, and with the matches scored). Otherwise the graph is walked with the filter (its cost grows as the filter
    /// admits fewer records, since the walk steps over the rejected ones). 0 always walks the graph; <see cref="int.MaxValue"/>
    /// always scans. Either way a search never returns fewer than <c>top</c> results while that many records match. The
    /// default value is <see langword="null"/>: the cutoff measured with <c>HnswFilteredBenchmark</c>, documented in the
    /// package README.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? ExactFilterCutoff
    {
        get;
        set
        {
            if (value is int cutoff)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(cutoff, nameof(value));
            }

            field = value;
        }
    }
}
