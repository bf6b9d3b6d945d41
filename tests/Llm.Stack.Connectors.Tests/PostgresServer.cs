using Llm.Stack.TestUtilities;

namespace Llm.Stack.Connectors.Tests;

/// <summary>The PostgreSQL + pgvector server of these tests (see <see cref="PostgresTestServer"/>), shared by the <see cref="PostgresServerGroup"/> collection.</summary>
public sealed class PostgresServer : PostgresTestServer, IAsyncLifetime;

[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
