namespace Llm.Stack;

/// <summary>The values of <see cref="VectorStoreSettings.Provider"/> that Llm.Stack's packages register.</summary>
public static class VectorStoreProviders
{
    /// <summary>The SIMD in-memory index, persisted under the data directory (Llm.Stack.VectorIndex, <c>AddInMemoryVectorStoreProvider()</c>).</summary>
    public const string InMemory = "inmemory";

    /// <summary>PostgreSQL with pgvector (Llm.Stack.Postgres, <c>AddPostgresVectorStoreProvider()</c>; needs <c>ConnectionString</c>).</summary>
    public const string Postgres = "postgres";

    /// <summary>A Chroma server (Llm.Stack.Chroma, <c>AddChromaVectorStoreProvider()</c>; needs <c>Endpoint</c>, and reads <c>Tenant</c>, <c>Database</c> and <c>ApiKey</c>).</summary>
    public const string Chroma = "chroma";
}
