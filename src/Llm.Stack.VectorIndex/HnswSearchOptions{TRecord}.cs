using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex;

/// <summary>Vector search options with the HNSW candidate list size of one query.</summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// Pass an instance wherever <see cref="VectorSearchOptions{TRecord}"/> is accepted by an <see cref="InMemoryVectorCollection{TKey, TRecord}"/>
/// (<c>SearchAsync</c>, <c>SearchBatchAsync</c>). On a property that is not HNSW-indexed <see cref="EfSearch"/> is ignored.
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
}
