namespace Llm.Stack;

/// <summary>The embedding model settings under <c>LlmStack:Embeddings</c>.</summary>
public sealed class EmbeddingModelSettings
{
    /// <summary>Gets or sets the provider of the embedding model.</summary>
    /// <value>
    /// <c>minilm</c> (the built-in all-MiniLM-L6-v2, offline), <c>onnx</c> (a BERT-family ONNX model folder in
    /// <see cref="ModelPath"/>) or <c>openai</c> (an OpenAI-compatible endpoint). The default value is <c>minilm</c>.
    /// </value>
    public string Provider { get; set; } = EmbeddingProviders.MiniLm;

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
}
