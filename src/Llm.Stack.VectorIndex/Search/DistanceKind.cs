namespace Llm.Stack.VectorIndex;

/// <summary>The distance functions of the index, one per MEVD <c>DistanceFunction</c> name.</summary>
internal enum DistanceKind : byte
{
    CosineSimilarity = 0,
    CosineDistance = 1,
    DotProductSimilarity = 2,
    NegativeDotProductSimilarity = 3,
    EuclideanDistance = 4,
    EuclideanSquaredDistance = 5,
    ManhattanDistance = 6,
    HammingDistance = 7,
}
