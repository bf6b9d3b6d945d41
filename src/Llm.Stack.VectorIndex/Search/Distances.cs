using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex;

/// <summary>Maps MEVD distance function names to <see cref="DistanceKind"/> and states their score semantics.</summary>
internal static class Distances
{
    /// <summary>Parses an MEVD distance function name (null means cosine similarity, the store's default).</summary>
    public static DistanceKind Parse(string? distanceFunction, string propertyName) => distanceFunction switch
    {
        null or DistanceFunction.CosineSimilarity => DistanceKind.CosineSimilarity,
        DistanceFunction.CosineDistance => DistanceKind.CosineDistance,
        DistanceFunction.DotProductSimilarity => DistanceKind.DotProductSimilarity,
        DistanceFunction.NegativeDotProductSimilarity => DistanceKind.NegativeDotProductSimilarity,
        DistanceFunction.EuclideanDistance => DistanceKind.EuclideanDistance,
        DistanceFunction.EuclideanSquaredDistance => DistanceKind.EuclideanSquaredDistance,
        DistanceFunction.ManhattanDistance => DistanceKind.ManhattanDistance,
        DistanceFunction.HammingDistance => DistanceKind.HammingDistance,
        _ => throw new NotSupportedException(
            $"Distance function '{distanceFunction}' of vector property '{propertyName}' is not supported by the in-memory vector store."),
    };

    /// <summary>Gets the MEVD name of a distance function.</summary>
    public static string Name(DistanceKind kind) => kind switch
    {
        DistanceKind.CosineSimilarity => DistanceFunction.CosineSimilarity,
        DistanceKind.CosineDistance => DistanceFunction.CosineDistance,
        DistanceKind.DotProductSimilarity => DistanceFunction.DotProductSimilarity,
        DistanceKind.NegativeDotProductSimilarity => DistanceFunction.NegativeDotProductSimilarity,
        DistanceKind.EuclideanDistance => DistanceFunction.EuclideanDistance,
        DistanceKind.EuclideanSquaredDistance => DistanceFunction.EuclideanSquaredDistance,
        DistanceKind.ManhattanDistance => DistanceFunction.ManhattanDistance,
        _ => DistanceFunction.HammingDistance,
    };

    /// <summary>Returns whether a higher score means a closer match (similarities) rather than a lower one (distances).</summary>
    public static bool HigherIsBetter(DistanceKind kind)
        => kind is DistanceKind.CosineSimilarity or DistanceKind.DotProductSimilarity;

    /// <summary>Returns whether the function is undefined for a zero vector.</summary>
    public static bool NeedsNorm(DistanceKind kind)
        => kind is DistanceKind.CosineSimilarity or DistanceKind.CosineDistance;
}
