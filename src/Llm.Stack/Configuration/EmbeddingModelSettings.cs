using Llm.Stack.Onnx;

namespace Llm.Stack;

/// <summary>
/// The settings of an embedding model: the default one under <c>LlmStack:Embeddings</c>, and each named one under
/// <c>LlmStack:EmbeddingModels:&lt;name&gt;</c> (see <see cref="LlmStackOptions.EmbeddingModels"/>).
/// </summary>
/// <remarks>Read when the application starts; do not change an instance after the service provider is built.</remarks>
public sealed class EmbeddingModelSettings
{
    /// <summary>Gets or sets the provider of the embedding model.</summary>
    /// <value>
    /// A name a package registered: <c>minilm</c> (the built-in all-MiniLM-L6-v2, offline; <c>AddMiniLmProvider()</c>),
    /// <c>onnx</c> (a BERT-family ONNX model folder in <see cref="ModelPath"/>; <c>AddOnnxProvider()</c>) or <c>openai</c>
    /// (an OpenAI-compatible endpoint; <c>AddOpenAIProvider()</c>). The default value is <see langword="null"/>: configuration
    /// registers no embedder, and <c>AddLocalDefaults</c> registers <c>minilm</c>.
    /// </value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the folder of a local model; required when <see cref="Provider"/> is <c>onnx</c>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Gets or sets the endpoint of an OpenAI-compatible service; required when <see cref="Provider"/> is <c>openai</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the API key of the service, when it needs one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the model id to ask the service for; required when <see cref="Provider"/> is <c>openai</c>.</summary>
    public string? Model { get; set; }

    /// <summary>Gets or sets how many inputs are embedded per call.</summary>
    /// <value>From 1 to 2,048. The default value is 32.</value>
    public int BatchSize { get; set; } = 32;

    /// <summary>Gets or sets the hardware a local (<c>onnx</c>, <c>minilm</c>) model runs on.</summary>
    /// <value>The default value is <see cref="OnnxExecutionProvider.Cpu"/>.</value>
    public OnnxExecutionProvider ExecutionProvider { get; set; }

    /// <summary>Gets or sets the GPU a local model runs on when <see cref="ExecutionProvider"/> is <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    /// <value>The default value is 0.</value>
    public int DeviceId { get; set; }

    /// <summary>Gets or sets an embedding adapter file to apply to query embeddings.</summary>
    /// <value>
    /// A file written by <c>llmstack tune-embeddings</c> or <see cref="EmbeddingAdapter.SaveAsync"/>, trained for this
    /// embedder. It applies to the embedder configuration creates (<see cref="Provider"/>) and to the queries of the
    /// local index (<c>AddLocalDefaults</c>); for an embedder registered in code, add
    /// <c>UseEmbeddingAdapter(adapter)</c> to its pipeline. Documents are embedded without it, so the index needs no
    /// re-embedding. The default value is <see langword="null"/>: no adapter.
    /// </value>
    public string? Adapter { get; set; }

    /// <summary>Gets or sets the price of one million input tokens, in the currency the application reports in.</summary>
    /// <value>Zero or more, or <see langword="null"/> when unknown (no cost is computed). The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public decimal? InputPricePerMillionTokens { get; set => field = ModelPrices.Check(value); }

    /// <summary>
    /// Gets or sets the resilience of the model's generator (<c>LlmStack:Embeddings:Resilience:*</c>,
    /// <c>LlmStack:EmbeddingModels:&lt;name&gt;:Resilience:*</c>): retries, per-attempt timeout, circuit breaker, and the
    /// rate limits <see cref="LlmResilienceOptions.RequestsPerMinute"/> and <see cref="LlmResilienceOptions.TokensPerMinute"/>
    /// (tokens estimated from the inputs' characters, then charged as the answer's usage reports them), applied by a
    /// <see cref="ResilientEmbeddingGenerator"/> around the generator configuration creates. A provider that calls a
    /// service (<c>openai</c>, <c>ollama</c>) always gets this layer; a local one (<c>minilm</c>, <c>onnx</c>: the model runs
    /// in process, with no faults or quotas to retry) gets it only when the section is set, in configuration (a
    /// <c>Resilience</c> section, even an empty one: <c>"Resilience": {}</c> for the defaults) or by assigning this property.
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
