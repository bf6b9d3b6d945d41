namespace Llm.Stack;

/// <summary>The values of <see cref="VectorStoreSettings.Provider"/>.</summary>
public static class VectorStoreProviders
{
    /// <summary>The SIMD in-memory index.</summary>
    public const string InMemory = "inmemory";

    /// <summary>A Chroma server.</summary>
    public const string Chroma = "chroma";

    internal static readonly string[] All = [InMemory, Chroma];
}
