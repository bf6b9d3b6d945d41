using Llm.Stack;
using Llm.Stack.Onnx;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an <see cref="OnnxCrossEncoder"/> as the stack's <see cref="ICrossEncoder"/>.</summary>
public static class OnnxCrossEncoderLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers a local ONNX cross-encoder as the stack's <see cref="ICrossEncoder"/> (a singleton, created on first use),
    /// replacing any registered before. The RAG pipeline (<c>AddRag</c>) reranks with it when no <see cref="IReranker"/> is registered.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="modelPath">The model folder (<c>model.onnx</c> with <c>tokenizer.json</c> or <c>vocab.txt</c>) or the <c>.onnx</c> file.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or whitespace.</exception>
    public static LlmStackBuilder AddOnnxCrossEncoder(this LlmStackBuilder builder, string modelPath, Action<OnnxCrossEncoderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        builder.Services.RemoveAll<ICrossEncoder>();
        builder.Services.AddSingleton<ICrossEncoder>(sp =>
        {
            var options = new OnnxCrossEncoderOptions();
            configure?.Invoke(options);
            options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return new OnnxCrossEncoder(modelPath, options);
        });
        return builder;
    }
}
