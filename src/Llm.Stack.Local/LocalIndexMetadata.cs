namespace Llm.Stack.Local;

/// <summary>What <c>index.json</c> records about a <see cref="LocalIndex"/>: the embedder its vectors came from.</summary>
/// <remarks>Instances are immutable.</remarks>
/// <param name="EmbeddingModel">The embedder's model id.</param>
/// <param name="Dimensions">The embedder's dimensions.</param>
/// <param name="Chunks">The number of chunks when the index was saved.</param>
/// <param name="SavedAt">When the index was saved.</param>
public sealed record LocalIndexMetadata(string EmbeddingModel, int Dimensions, int Chunks, DateTimeOffset SavedAt);
