using Llm.Stack;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an <see cref="OnnxEmbeddingGenerator"/> as the stack's embedding generator.</summary>
public static class OnnxEmbeddingGeneratorLlmStackBuilderExtensions
{
    /// <summary>Registers a local BERT-family ONNX model as the stack's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (a singleton, created on first use).</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="modelPath">The model folder (<c>model.onnx</c> with <c>tokenizer.json</c> or <c>vocab.txt</c>) or the <c>.onnx</c> file.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>An <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/> to add middleware (caching, logging …).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or whitespace.</exception>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddOnnxEmbeddingGenerator(
        this LlmStackBuilder builder,
        string modelPath,
        Action<OnnxEmbeddingGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return builder.AddEmbeddingGenerator(sp =>
        {
            var options = new OnnxEmbeddingGeneratorOptions();
            configure?.Invoke(options);
            options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return new OnnxEmbeddingGenerator(modelPath, options);
        });
    }
}
