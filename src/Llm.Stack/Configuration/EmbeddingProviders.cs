namespace Llm.Stack;

/// <summary>The values of <see cref="EmbeddingModelSettings.Provider"/>.</summary>
public static class EmbeddingProviders
{
    /// <summary>The built-in all-MiniLM-L6-v2 model, offline.</summary>
    public const string MiniLm = "minilm";

    /// <summary>A BERT-family ONNX model folder.</summary>
    public const string Onnx = "onnx";

    /// <summary>An OpenAI-compatible HTTP endpoint.</summary>
    public const string OpenAI = "openai";

    internal static readonly string[] All = [MiniLm, Onnx, OpenAI];
}
