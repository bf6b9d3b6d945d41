using Llm.Stack.Postgres;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresFlatConformanceTests(PostgresServer server) : VectorStoreConformanceTests
{
    protected override VectorStore Store { get; } = new PostgresVectorStore(server.ConnectionString);

    protected override string IndexKind => Microsoft.Extensions.VectorData.IndexKind.Flat;
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresHnswConformanceTests(PostgresServer server) : VectorStoreConformanceTests
{
    protected override VectorStore Store { get; } = new PostgresVectorStore(server.ConnectionString);

    protected override string IndexKind => Microsoft.Extensions.VectorData.IndexKind.Hnsw;
}
