using System.Globalization;
using Llm.Stack;
using Llm.Stack.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>minilm</c> embedding provider, selected by configuration.</summary>
public static class MiniLmProviderLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the <c>minilm</c> embedding provider: with <c>LlmStack:Embeddings:Provider</c> = <c>minilm</c>, the built-in
    /// offline all-MiniLM-L6-v2 model (384 dimensions) is the stack's embedding generator, with <c>BatchSize</c>,
    /// <c>ExecutionProvider</c> and <c>DeviceId</c> from <c>LlmStack:Embeddings</c>. Loaded on first use. A local provider
    /// (<see cref="LlmStackBuilder.AddLocalEmbeddingProvider"/>): configuration adds no resilience layer around it unless the
    /// model's section sets <c>Resilience</c>.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>The application references a native ONNX Runtime package: <c>Microsoft.ML.OnnxRuntime</c> for CPU.</remarks>
    public static LlmStackBuilder AddMiniLmProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddLocalEmbeddingProvider("minilm", context => MiniLmEmbeddingGenerator.Create(options =>
        {
            // The section was validated by AddLlmStack(configuration), so the values parse.
            IConfigurationSection section = context.Configuration;
            if (section["ExecutionProvider"] is { Length: > 0 } hardware)
            {
                options.ExecutionProvider = Enum.Parse<OnnxExecutionProvider>(hardware, ignoreCase: true);
            }

            if (section["DeviceId"] is { Length: > 0 } device)
            {
                options.DeviceId = int.Parse(device, NumberStyles.Integer, CultureInfo.InvariantCulture);
            }

            if (section["BatchSize"] is { Length: > 0 } batch)
            {
                options.BatchSize = int.Parse(batch, NumberStyles.Integer, CultureInfo.InvariantCulture);
            }

            options.LoggerFactory = context.Services.GetService<ILoggerFactory>();
        }));
    }
}
