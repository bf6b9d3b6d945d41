using Llm.Stack;
using Llm.Stack.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>onnx</c> provider of local models, selected by configuration.</summary>
public static class OnnxProviderLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the <c>onnx</c> provider for chat and embeddings: with <c>LlmStack:Chat:Provider</c> = <c>onnx</c>, an
    /// <see cref="OnnxChatClient"/> over the ONNX Runtime GenAI model folder in <c>LlmStack:Chat:ModelPath</c>; with
    /// <c>LlmStack:Embeddings:Provider</c> = <c>onnx</c>, an <see cref="OnnxEmbeddingGenerator"/> over the BERT-family model in
    /// <c>LlmStack:Embeddings:ModelPath</c>. <c>ExecutionProvider</c> (<c>Cpu</c> or <c>Cuda</c>) and <c>DeviceId</c> choose the
    /// hardware (<see cref="OnnxExecutionProvider"/>, as in the options of both); <c>LlmStack:Chat:Adapters:&lt;name&gt;</c> a
    /// LoRA adapter file loaded with the chat model (<see cref="OnnxChatClientOptions.Adapters"/>), which a request selects with
    /// <see cref="OnnxChatOptionsExtensions.WithOnnxAdapter"/>; <c>LlmStack:Embeddings:BatchSize</c> the
    /// inputs per inference call. Models load on first use and log through the registered <see cref="ILoggerFactory"/>. Both
    /// are local providers (<see cref="LlmStackBuilder.AddLocalChatProvider"/>, <see cref="LlmStackBuilder.AddLocalEmbeddingProvider"/>):
    /// configuration adds no resilience layer around them unless the model's section sets <c>Resilience</c>.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// <c>AddLlmStack(configuration)</c> checks that the model folder exists, naming the key and the path. The application references the native package (<c>Microsoft.ML.OnnxRuntimeGenAI</c> for chat, <c>Microsoft.ML.OnnxRuntime</c>
    /// for embeddings, or their CUDA packages).
    /// </remarks>
    public static LlmStackBuilder AddOnnxProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddLocalChatProvider(LocalProviderSettings.OnnxName, context =>
        {
            IConfigurationSection section = context.Configuration;
            var options = new OnnxChatClientOptions
            {
                ExecutionProvider = LocalProviderSettings.ExecutionProvider(section),
                DeviceId = LocalProviderSettings.DeviceId(section),
                LoggerFactory = context.Services.GetService<ILoggerFactory>(),
            };
            foreach ((string name, string path) in LocalProviderSettings.Adapters(section))
            {
                options.Adapters[name] = path;
            }

            return new OnnxChatClient(LocalProviderSettings.ModelPath(section), options);
        });
        builder.AddLocalEmbeddingProvider(LocalProviderSettings.OnnxName, context =>
        {
            OnnxEmbeddingGeneratorOptions options = LocalProviderSettings.EmbeddingOptions(context.Configuration);
            options.LoggerFactory = context.Services.GetService<ILoggerFactory>();
            return new OnnxEmbeddingGenerator(LocalProviderSettings.ModelPath(context.Configuration), options);
        });
        return builder;
    }
}
