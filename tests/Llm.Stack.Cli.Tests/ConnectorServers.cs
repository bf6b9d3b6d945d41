using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>The PostgreSQL + pgvector server of these tests (see <see cref="PostgresTestServer"/>).</summary>
public sealed class PostgresServer : PostgresTestServer, IAsyncLifetime;

/// <summary>The Chroma server of these tests (see <see cref="ChromaTestServer"/>).</summary>
public sealed class ChromaServer : ChromaTestServer, IAsyncLifetime;

[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}

[CollectionDefinition(Name)]
public sealed class ChromaServerGroup : ICollectionFixture<ChromaServer>
{
    public const string Name = "chroma";
}
