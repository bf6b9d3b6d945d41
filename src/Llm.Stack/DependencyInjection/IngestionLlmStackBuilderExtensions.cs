using Llm.Stack;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ingestion pipeline in an <see cref="LlmStackBuilder"/>.</summary>
public static class IngestionLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="IngestionPipeline"/> as a singleton that uses the stack's embedding generator (with
    /// <c>LlmStack:Ingestion:EmbeddingModel</c>, the keyed embedding model of that name, such as one of
    /// <c>LlmStack:EmbeddingModels</c>), the
    /// registered <see cref="ITextChunker"/> (or the default one, which counts with the embedder's own tokenizer and
    /// limit), and the registered <see cref="IDocumentReader"/>s.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures <see cref="IngestionOptions"/>; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Calling it twice registers the pipeline once and applies both configurations. Resolving the pipeline fails
    /// with a clear message when no <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float
    /// embeddings is registered.
    /// </remarks>
    public static LlmStackBuilder AddIngestion(this LlmStackBuilder builder, Action<IngestionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<IngestionOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(sp => new IngestionPipeline(
            PipelineModels.IngestionEmbeddingGenerator(sp)
                ?? throw new InvalidOperationException(
                    "IngestionPipeline needs an IEmbeddingGenerator<string, Embedding<float>>: register one with AddEmbeddingGenerator(...) or AddMiniLmEmbeddingGenerator()."),
            sp.GetService<ITextChunker>(),
            sp.GetServices<IDocumentReader>(),
            sp.GetRequiredService<IOptions<IngestionOptions>>().Value,
            sp.GetService<ILogger<IngestionPipeline>>()));
        return builder;
    }
}
