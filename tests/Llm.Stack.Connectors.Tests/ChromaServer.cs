using Llm.Stack.TestUtilities;

namespace Llm.Stack.Connectors.Tests;

/// <summary>The Chroma server of these tests (see <see cref="ChromaTestServer"/>), shared by the <see cref="ChromaServerGroup"/> collection.</summary>
public sealed class ChromaServer : ChromaTestServer, IAsyncLifetime;

[CollectionDefinition(Name)]
public sealed class ChromaServerGroup : ICollectionFixture<ChromaServer>
{
    public const string Name = "chroma";
}
