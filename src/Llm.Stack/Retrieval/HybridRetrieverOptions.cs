namespace Llm.Stack;

/// <summary>Options of a <see cref="HybridRetriever"/>.</summary>
/// <remarks>Do not mutate an instance after passing it to a retriever.</remarks>
public sealed class HybridRetrieverOptions
{
    /// <summary>Gets or sets the fusion method.</summary>
    /// <value>The default value is <see cref="FusionMethod.ReciprocalRank"/>.</value>
    public FusionMethod Method { get; set; } = FusionMethod.ReciprocalRank;

    /// <summary>Gets or sets the <c>k</c> constant of reciprocal rank fusion.</summary>
    /// <value>The default value is 60 (Cormack et al., 2009).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int K { get; set => field = OptionRange.Check(value, 0); } = 60;

    /// <summary>Gets or sets one weight per retriever; every query variant of a retriever has its weight.</summary>
    /// <value>The default value is <see langword="null"/>: equal weights.</value>
    public IReadOnlyList<double>? Weights { get; set; }

    /// <summary>Gets or sets how many times <c>Top</c> candidates each retriever returns for fusion.</summary>
    /// <value>The default value is 3.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int CandidateMultiplier { get; set => field = OptionRange.Check(value, 1); } = 3;

    /// <summary>
    /// Gets or sets a source of query variants (paraphrases, sub-questions, a hypothetical answer …) searched
    /// alongside the query; see <see cref="QueryVariants"/> for ready-made ones.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the query alone.</value>
    public Func<string, CancellationToken, Task<IReadOnlyList<string>>>? QueryVariants { get; set; }
}
