using Llm.Stack;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="AdaptedEmbeddingGenerator"/> to an embedding generator pipeline.</summary>
public static class EmbeddingAdapterEmbeddingGeneratorBuilderExtensions
{
    /// <summary>
    /// Applies <paramref name="adapter"/> to query embeddings (requests marked with <see cref="EmbeddingPurpose.Query"/>);
    /// document embeddings pass through unchanged, so the index needs no re-embedding.
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="adapter">The adapter, trained for the embedder the pipeline wraps.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> UseEmbeddingAdapter(
        this EmbeddingGeneratorBuilder<string, Embedding<float>> builder,
        EmbeddingAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(adapter);
        return builder.Use(inner => new AdaptedEmbeddingGenerator(inner, adapter));
    }
}
