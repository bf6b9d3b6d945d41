using Llm.Stack;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the built-in all-MiniLM-L6-v2 model as the stack's embedding generator.</summary>
public static class MiniLmLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the built-in offline all-MiniLM-L6-v2 model (384 dimensions) as the stack's
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: a singleton, loaded on first use.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Changes the options; <see langword="null"/> for the model's own.</param>
    /// <returns>An <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/> to add middleware (caching, logging …).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>The application references a native ONNX Runtime package: <c>Microsoft.ML.OnnxRuntime</c> for CPU.</remarks>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddMiniLmEmbeddingGenerator(
        this LlmStackBuilder builder,
        Action<OnnxEmbeddingGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddEmbeddingGenerator(sp => MiniLmEmbeddingGenerator.Create(options =>
        {
            configure?.Invoke(options);
            options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
        }));
    }
}
