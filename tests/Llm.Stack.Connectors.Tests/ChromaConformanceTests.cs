using Llm.Stack.Chroma;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>
/// The conformance suite against a real Chroma server. Chroma indexes every collection with HNSW (approximate: recall@10
/// ≥ 0.95), stores every record with an embedding, has no keyword ranking and no order in its get, keeps cosine-space
/// vectors as unit vector and norm, and has no Manhattan or Hamming space: the suite asserts a NotSupportedException there.
/// </summary>
[Collection(ChromaServerGroup.Name)]
public sealed class ChromaConformanceTests(ChromaServer server) : VectorStoreConformanceTests
{
    protected override VectorStore Store { get; } = new ChromaVectorStore(server.Endpoint);

    protected override string IndexKind => Microsoft.Extensions.VectorData.IndexKind.Hnsw;

    protected override bool StoresRecordsWithoutVectors => false;

    protected override bool SupportsHybridSearch => false;

    protected override bool SupportsOrderBy => false;

    protected override string[] UnsupportedDistanceFunctions => [DistanceFunction.ManhattanDistance, DistanceFunction.HammingDistance];

    protected override string[] UnsupportedIndexKinds => [Microsoft.Extensions.VectorData.IndexKind.Flat, Microsoft.Extensions.VectorData.IndexKind.IvfFlat];

    protected override float VectorTolerance => 1e-6f;
}
