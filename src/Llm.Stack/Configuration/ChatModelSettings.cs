using Llm.Stack.Onnx;

namespace Llm.Stack;

/// <summary>
/// The settings of a chat model: the default one under <c>LlmStack:Chat</c>, and each named one under
/// <c>LlmStack:ChatModels:&lt;name&gt;</c> (see <see cref="LlmStackOptions.ChatModels"/>).
/// </summary>
/// <remarks>Read when the application starts; do not change an instance after the service provider is built.</remarks>
public sealed class ChatModelSettings
{
    /// <summary>Gets or sets the provider of the chat model.</summary>
    /// <value>
    /// <c>none</c> (no chat model: answers are extractive), or a name a package registered: <c>onnx</c> (a local ONNX
    /// Runtime GenAI model folder in <see cref="ModelPath"/>; <c>AddOnnxProvider()</c>) or <c>openai</c> (an
    /// OpenAI-compatible endpoint; <c>AddOpenAIProvider()</c>). The default value is <c>none</c>.
    /// </value>
    public string Provider { get; set; } = ChatProviders.None;

    /// <summary>Gets or sets the folder of a local model; required when <see cref="Provider"/> is <c>onnx</c>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Gets or sets the endpoint of an OpenAI-compatible service; required when <see cref="Provider"/> is <c>openai</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the API key of the service, when it needs one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the model id to ask the service for; required when <see cref="Provider"/> is <c>openai</c>.</summary>
    public string? Model { get; set; }

    /// <summary>Gets or sets the model's context window in tokens, when the provider does not report it.</summary>
    /// <value>The default value is <see langword="null"/>: ask the provider, else assume 4,096.</value>
    public int? ContextWindow { get; set; }

    /// <summary>Gets or sets the maximum number of tokens of an answer.</summary>
    /// <value>The default value is <see langword="null"/>: the provider's default.</value>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Gets or sets the hardware a local (<c>onnx</c>) model runs on.</summary>
    /// <value>The default value is <see langword="null"/>: the providers listed in the model's <c>genai_config.json</c>.</value>
    public OnnxExecutionProvider? ExecutionProvider { get; set; }

    /// <summary>Gets or sets the GPU a local model runs on when <see cref="ExecutionProvider"/> is <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    /// <value>The default value is 0.</value>
    public int DeviceId { get; set; }

    /// <summary>
    /// Gets the LoRA adapters (ONNX Runtime GenAI <c>.onnx_adapter</c> files) of a local (<c>onnx</c>) model, by the name a
    /// request selects them with (<c>LlmStack:Chat:Adapters:&lt;name&gt;</c> = the file's path). They are loaded with the
    /// model; a request runs one with <c>ChatOptions.WithOnnxAdapter(name)</c>, or the base model without it.
    /// </summary>
    /// <value>File paths by adapter name (names compare ordinally). Empty by default; only the <c>onnx</c> provider takes adapters.</value>
    public IDictionary<string, string> Adapters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the price of one million input (prompt) tokens, in the currency the application reports in.</summary>
    /// <value>Zero or more, or <see langword="null"/> when unknown (no cost is computed). The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public decimal? InputPricePerMillionTokens { get; set => field = ModelPrices.Check(value); }

    /// <summary>Gets or sets the price of one million output (answer) tokens, reasoning tokens included.</summary>
    /// <value>Zero or more, or <see langword="null"/> when unknown. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public decimal? OutputPricePerMillionTokens { get; set => field = ModelPrices.Check(value); }

    /// <summary>Gets or sets the price of one million input tokens that the provider served from its prompt cache.</summary>
    /// <value>
    /// Zero or more, or <see langword="null"/> to price cached input tokens as <see cref="InputPricePerMillionTokens"/>.
    /// The default value is <see langword="null"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public decimal? CachedInputPricePerMillionTokens { get; set => field = ModelPrices.Check(value); }

    /// <summary>
    /// Gets or sets the resilience of the model's client (<c>LlmStack:Chat:Resilience:*</c>, <c>LlmStack:ChatModels:&lt;name&gt;:Resilience:*</c>):
    /// retries, per-attempt timeout, circuit breaker, and the rate limits <see cref="LlmResilienceOptions.RequestsPerMinute"/>
    /// and <see cref="LlmResilienceOptions.TokensPerMinute"/>, applied by a <see cref="ResilientChatClient"/> around the
    /// client configuration creates. A provider that calls a service (<c>openai</c>, <c>ollama</c>, <c>anthropic</c>) always
    /// gets this layer; a local one (<c>onnx</c>: the model runs in process, with no faults or quotas to retry) gets it only
    /// when the section is set, in configuration (a <c>Resilience</c> section, even an empty one: <c>"Resilience": {}</c>
    /// for the defaults) or by assigning this property.
    /// </summary>
    /// <value>The defaults of <see cref="LlmResilienceOptions"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public LlmResilienceOptions Resilience
    {
        get;
        set
        {
            field = value ?? throw new ArgumentNullException(nameof(value));
            ResilienceIsSet = true;
        }
    } = new();

    /// <summary>Gets whether <see cref="Resilience"/> was set (by configuration's <c>Resilience</c> section or in code), which gives a local provider the layer.</summary>
    internal bool ResilienceIsSet { get; private set; }
}
