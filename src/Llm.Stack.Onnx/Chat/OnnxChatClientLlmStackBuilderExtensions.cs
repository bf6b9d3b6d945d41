using Llm.Stack;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an <see cref="OnnxChatClient"/> as the stack's chat client.</summary>
public static class OnnxChatClientLlmStackBuilderExtensions
{
    /// <summary>Registers a local ONNX Runtime GenAI model as the stack's <see cref="IChatClient"/> (a singleton, loaded on first use).</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="modelPath">The model folder (with <c>genai_config.json</c>).</param>
    /// <param name="configure">Sets the client's options (provider, prompt format, tool-call format); <see langword="null"/> for the defaults.</param>
    /// <returns>A <see cref="ChatClientBuilder"/> to add middleware, e.g. <c>.UseFunctionInvocation()</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or white space.</exception>
    /// <remarks>
    /// The application also references the native package: <c>Microsoft.ML.OnnxRuntimeGenAI</c> (CPU) or
    /// <c>Microsoft.ML.OnnxRuntimeGenAI.Cuda</c>. The client logs through the registered <see cref="ILoggerFactory"/>
    /// unless <paramref name="configure"/> sets <see cref="OnnxChatClientOptions.LoggerFactory"/>.
    /// </remarks>
    public static ChatClientBuilder AddOnnxChatClient(this LlmStackBuilder builder, string modelPath, Action<OnnxChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return builder.AddChatClient(sp => new OnnxChatClient(modelPath, CreateOptions(sp, configure)));
    }

    /// <summary>Registers a local ONNX Runtime GenAI model as a named (keyed) <see cref="IChatClient"/> (a singleton, loaded on first use).</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="serviceKey">The name of the client.</param>
    /// <param name="modelPath">The model folder (with <c>genai_config.json</c>).</param>
    /// <param name="configure">Sets the client's options; <see langword="null"/> for the defaults.</param>
    /// <returns>A <see cref="ChatClientBuilder"/> to add middleware.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="serviceKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is <see langword="null"/>, empty or white space.</exception>
    public static ChatClientBuilder AddKeyedOnnxChatClient(this LlmStackBuilder builder, object serviceKey, string modelPath, Action<OnnxChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return builder.AddKeyedChatClient(serviceKey, sp => new OnnxChatClient(modelPath, CreateOptions(sp, configure)));
    }

    private static OnnxChatClientOptions CreateOptions(IServiceProvider services, Action<OnnxChatClientOptions>? configure)
    {
        var options = new OnnxChatClientOptions();
        configure?.Invoke(options);
        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        return options;
    }
}
