namespace Llm.Stack.VectorIndex;

/// <summary>The construction and search parameters of an HNSW graph.</summary>
/// <remarks>
/// <paramref name="Quantization"/> is the encoding a new column takes; a snapshot stores it as the column's quantization
/// (with the other vector columns'), not among these parameters.
/// </remarks>
internal sealed record HnswParameters(int M, int EfConstruction, int EfSearch, int Seed, VectorQuantization Quantization = VectorQuantization.None);
