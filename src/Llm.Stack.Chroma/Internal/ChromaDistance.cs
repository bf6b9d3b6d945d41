using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Chroma;

/// <summary>
/// A MEVD distance function on one of Chroma's three HNSW spaces, and the conversion of Chroma's distances to MEVD scores:
/// <c>cosine</c> gives 1 − cos, <c>ip</c> gives 1 − a·b, <c>l2</c> gives the squared Euclidean distance.
/// </summary>
internal sealed class ChromaDistance
{
    private static readonly ChromaDistance[] All =
    [
        new(DistanceFunction.CosineSimilarity, "cosine", d => 1 - d, higherIsBetter: true),
        new(DistanceFunction.CosineDistance, "cosine", d => d, higherIsBetter: false),
        new(DistanceFunction.DotProductSimilarity, "ip", d => 1 - d, higherIsBetter: true),
        new(DistanceFunction.NegativeDotProductSimilarity, "ip", d => d - 1, higherIsBetter: false),
        new(DistanceFunction.EuclideanSquaredDistance, "l2", d => d, higherIsBetter: false),
        new(DistanceFunction.EuclideanDistance, "l2", d => Math.Sqrt(Math.Max(d, 0)), higherIsBetter: false),
    ];

    private readonly Func<double, double> _score;

    private ChromaDistance(string function, string space, Func<double, double> score, bool higherIsBetter)
    {
        Function = function;
        Space = space;
        _score = score;
        HigherIsBetter = higherIsBetter;
    }

    /// <summary>Gets the MEVD distance function.</summary>
    public string Function { get; }

    /// <summary>Gets Chroma's space (<c>hnsw:space</c>).</summary>
    public string Space { get; }

    /// <summary>Gets whether a higher score is a better match.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>Gets whether a zero vector is undefined under the function (Chroma cannot index one in its cosine space).</summary>
    public bool IsCosine => Space == "cosine";

    /// <summary>The distance function of a vector property, or a <see cref="NotSupportedException"/> naming the ones Chroma has.</summary>
    public static ChromaDistance Get(string? function, string propertyName)
        => Array.Find(All, d => d.Function == (function ?? DistanceFunction.CosineSimilarity))
            ?? throw new NotSupportedException(
                $"Distance function '{function}' of vector property '{propertyName}' is not supported by the Chroma vector store (its spaces are cosine, inner product and squared L2); use "
                + string.Join(", ", All.Select(d => d.Function)) + ".");

    /// <summary>The MEVD score of a distance Chroma returned.</summary>
    public double Score(double distance) => _score(distance);

    /// <summary>Whether a score passes a MEVD score threshold.</summary>
    public bool Passes(double score, double threshold) => HigherIsBetter ? score >= threshold : score <= threshold;
}
