using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Postgres;

/// <summary>How a MEVD distance function maps to pgvector: the operator, the index operator class, and the score.</summary>
/// <param name="Operator">The pgvector operator whose ascending order is the best-first order.</param>
/// <param name="OperatorClass">The operator class of an HNSW or IVFFlat index that serves <paramref name="Operator"/>.</param>
/// <param name="ToScore">Turns the operator's value into the MEVD score.</param>
/// <param name="HigherIsBetter">Whether a higher score is a better match (similarities), else lower (distances).</param>
internal sealed record PostgresDistance(string Operator, string OperatorClass, Func<double, double> ToScore, bool HigherIsBetter)
{
    // <=> is the cosine distance 1 - cos, <#> the negative inner product, <-> the Euclidean distance, <+> the L1 distance.
    private static readonly PostgresDistance CosineSimilarity = new("<=>", "vector_cosine_ops", d => 1 - d, true);
    private static readonly PostgresDistance CosineDistance = new("<=>", "vector_cosine_ops", d => d, false);
    private static readonly PostgresDistance DotProductSimilarity = new("<#>", "vector_ip_ops", d => -d, true);
    private static readonly PostgresDistance NegativeDotProductSimilarity = new("<#>", "vector_ip_ops", d => d, false);
    private static readonly PostgresDistance EuclideanDistance = new("<->", "vector_l2_ops", d => d, false);
    private static readonly PostgresDistance EuclideanSquaredDistance = new("<->", "vector_l2_ops", d => d * d, false);
    private static readonly PostgresDistance ManhattanDistance = new("<+>", "vector_l1_ops", d => d, false);

    /// <summary>Gets whether the distance is undefined for a zero vector (cosine).</summary>
    public bool IsCosine => Operator == "<=>";

    public static PostgresDistance Get(string? distanceFunction, string propertyName) => distanceFunction switch
    {
        null or Microsoft.Extensions.VectorData.DistanceFunction.CosineSimilarity => CosineSimilarity,
        Microsoft.Extensions.VectorData.DistanceFunction.CosineDistance => CosineDistance,
        Microsoft.Extensions.VectorData.DistanceFunction.DotProductSimilarity => DotProductSimilarity,
        Microsoft.Extensions.VectorData.DistanceFunction.NegativeDotProductSimilarity => NegativeDotProductSimilarity,
        Microsoft.Extensions.VectorData.DistanceFunction.EuclideanDistance => EuclideanDistance,
        Microsoft.Extensions.VectorData.DistanceFunction.EuclideanSquaredDistance => EuclideanSquaredDistance,
        Microsoft.Extensions.VectorData.DistanceFunction.ManhattanDistance => ManhattanDistance,
        _ => throw new NotSupportedException(
            $"Distance function '{distanceFunction}' of vector property '{propertyName}' is not supported by the PostgreSQL vector store; use "
            + $"{DistanceFunction.CosineSimilarity}, {DistanceFunction.CosineDistance}, {DistanceFunction.DotProductSimilarity}, "
            + $"{DistanceFunction.NegativeDotProductSimilarity}, {DistanceFunction.EuclideanDistance}, {DistanceFunction.EuclideanSquaredDistance} "
            + $"or {DistanceFunction.ManhattanDistance}."),
    };

    /// <summary>Whether <paramref name="score"/> passes <paramref name="threshold"/> (at least it for similarities, at most it for distances).</summary>
    public bool Passes(double score, double threshold) => HigherIsBetter ? score >= threshold : score <= threshold;
}
