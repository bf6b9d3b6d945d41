using Microsoft.Extensions.Logging;

namespace Llm.Stack.Onnx;

/// <summary>Options of an <see cref="OnnxChatClient"/>.</summary>
/// <remarks>Read once when the client is created; changing them afterwards has no effect on that client. Not thread-safe.</remarks>
public sealed class OnnxChatClientOptions
{
    /// <summary>Gets or sets the hardware the model runs on, named as for the embedder (<c>OnnxSessionOptions.ExecutionProvider</c>) and in configuration (<c>LlmStack:Chat:ExecutionProvider</c>).</summary>
    /// <value>
    /// <see cref="OnnxExecutionProvider.Cpu"/> or <see cref="OnnxExecutionProvider.Cuda"/> (which needs the
    /// <c>Microsoft.ML.OnnxRuntimeGenAI.Cuda</c> native package). The default value is <see langword="null"/>: the
    /// providers listed in the model's <c>genai_config.json</c> are used (a model exported for CUDA runs on CUDA; other
    /// GenAI providers, such as DirectML, are chosen there too).
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="OnnxExecutionProvider"/>.</exception>
    public OnnxExecutionProvider? ExecutionProvider
    {
        get;
        set
        {
            if (value is { } provider && !Enum.IsDefined(provider))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a defined execution provider.");
            }

            field = value;
        }
    }

    /// <summary>Gets or sets the GPU to run on when <see cref="ExecutionProvider"/> is <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    /// <value>The CUDA device id. The default value is 0.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int DeviceId { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets provider options passed through to GenAI's <c>Config.SetProviderOption</c> for <see cref="ExecutionProvider"/> (e.g. <c>enable_cuda_graph</c>).</summary>
    /// <value>The options by name. Empty by default. Ignored when <see cref="ExecutionProvider"/> is <see langword="null"/> or <see cref="OnnxExecutionProvider.Cpu"/>.</value>
    public IDictionary<string, string> ProviderOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the number of threads ONNX Runtime uses within one operator (as <c>OnnxEmbeddingGeneratorOptions.IntraOpThreads</c>).</summary>
    /// <value>Zero or more; 0 keeps the model's setting (ONNX Runtime's default: one per physical core). The default value is 0.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int IntraOpThreads { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets the LoRA adapters (ONNX Runtime GenAI <c>.onnx_adapter</c> files) loaded with the model, by the name a request selects them with.</summary>
    /// <value>
    /// File paths by adapter name (names compare ordinally). Empty by default. Each file is loaded when the client is
    /// created; a request selects one with <see cref="OnnxChatOptionsExtensions.WithOnnxAdapter"/> (the
    /// <see cref="OnnxChatOptionsExtensions.AdapterPropertyName"/> entry of <c>ChatOptions.AdditionalProperties</c>).
    /// The model must take the adapter's tensors as graph inputs with defaults (as models exported with LoRA
    /// adapters by Olive or GenAI's model builder do).
    /// </value>
    public IDictionary<string, string> Adapters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the prompt formatter.</summary>
    /// <value>
    /// A formatter, or <see langword="null"/> to use the model's chat template (<c>chat_template</c> in
    /// <c>tokenizer_config.json</c>, rendered by GenAI's tokenizer), falling back to
    /// <see cref="ChatPromptFormatters.ChatMl"/> when the model has none. The default value is <see langword="null"/>.
    /// </value>
    public IChatPromptFormatter? PromptFormatter { get; set; }

    /// <summary>Gets or sets how the model spells tool calls.</summary>
    /// <value>The format. The default value is <see cref="Onnx.ToolCallFormat.Auto"/> (chosen from the model's chat template and type).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="Onnx.ToolCallFormat"/>.</exception>
    public ToolCallFormat ToolCallFormat
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a defined tool-call format.");
            }

            field = value;
        }
    }

    /// <summary>Gets or sets the model id reported in responses and in <c>ChatClientMetadata</c>.</summary>
    /// <value>The id, or <see langword="null"/> for the model folder's name. The default value is <see langword="null"/>.</value>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the logger factory the client logs through.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: no logging (<c>AddOnnxChatClient</c> and the <c>onnx</c> provider set
    /// the application's <see cref="ILoggerFactory"/> when it registers one). The model's load is logged at Information, each
    /// generation's token counts and duration at Debug, and the prompt text only at Trace.
    /// </value>
    public ILoggerFactory? LoggerFactory { get; set; }
}
