namespace Llm.Stack.VectorIndex;

/// <summary>The construction and search parameters of an HNSW graph.</summary>
internal sealed record HnswParameters(int M, int EfConstruction, int EfSearch, int Seed);
