using System.Linq.Expressions;

namespace Llm.Stack;

/// <summary>Options of a <see cref="VectorStoreRetriever{TKey, TRecord}"/>.</summary>
/// <typeparam name="TRecord">The record type of the collection.</typeparam>
/// <remarks>Do not mutate an instance after passing it to a retriever.</remarks>
public sealed class VectorStoreRetrieverOptions<TRecord>
{
    /// <summary>Gets or sets a filter applied to every search, translated by the store (for example by tenant).</summary>
    /// <value>The default value is <see langword="null"/>: no filter.</value>
    public Expression<Func<TRecord, bool>>? Filter { get; set; }

    /// <summary>
    /// Gets or sets a translation of <see cref="RetrievalOptions.MetadataFilter"/> into a store filter. When
    /// <see langword="null"/>, the metadata filter is applied to the mapped chunks after the search, which fetches
    /// <see cref="OverFetchFactor"/> times more results to make up for those filtered out.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<IReadOnlyDictionary<string, object?>, Expression<Func<TRecord, bool>>>? MetadataFilterTranslator { get; set; }

    /// <summary>Gets or sets the vector property to search, when the record has several.</summary>
    /// <value>The default value is <see langword="null"/>: the record's only vector property.</value>
    public Expression<Func<TRecord, object?>>? VectorProperty { get; set; }

    /// <summary>
    /// Gets or sets the conversion of the store's score into a relevance where higher is better, such as
    /// <c>d => 1 - d</c> for a cosine distance. <see cref="RetrievalOptions.ScoreThreshold"/> applies to the converted score.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the store's score as is (a missing score counts as 0).</value>
    public Func<double, double>? ScoreConversion { get; set; }

    /// <summary>Gets or sets how many times <c>Top</c> results to fetch when filtering after the search.</summary>
    /// <value>The default value is 4.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int OverFetchFactor { get; set => field = OptionRange.Check(value, 1); } = 4;
}
