using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

public sealed class InMemoryFlatConformanceTests : VectorStoreConformanceTests
{
    protected override VectorStore Store { get; } = new InMemoryVectorStore();

    protected override string IndexKind => Microsoft.Extensions.VectorData.IndexKind.Flat;
}

public sealed class InMemoryHnswConformanceTests : VectorStoreConformanceTests
{
    protected override VectorStore Store { get; } = new InMemoryVectorStore();

    protected override string IndexKind => Microsoft.Extensions.VectorData.IndexKind.Hnsw;
}
