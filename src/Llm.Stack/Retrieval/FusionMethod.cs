namespace Llm.Stack;

/// <summary>How a <see cref="HybridRetriever"/> fuses the rankings of its retrievers and query variants.</summary>
public enum FusionMethod
{
    /// <summary>Reciprocal rank fusion: each ranking adds <c>weight / (k + rank)</c>; robust to incomparable score scales.</summary>
    ReciprocalRank,

    /// <summary>Relative score fusion: each ranking's scores are min-max normalised to [0, 1] and the weighted mean is taken.</summary>
    RelativeScore,
}
