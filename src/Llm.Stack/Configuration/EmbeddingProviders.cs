namespace Llm.Stack;

/// <summary>The values of <see cref="EmbeddingModelSettings.Provider"/> that Llm.Stack's packages register.</summary>
public static class EmbeddingProviders
{
    /// <summary>The built-in all-MiniLM-L6-v2 model, offline (Llm.Stack.Onnx.MiniLM, <c>AddMiniLmProvider()</c>).</summary>
    public const string MiniLm = "minilm";

    /// <summary>A BERT-family ONNX model folder (Llm.Stack.Onnx, <c>AddOnnxProvider()</c>).</summary>
    public const string Onnx = "onnx";

    /// <summary>An OpenAI-compatible HTTP endpoint (Llm.Stack.OpenAI, <c>AddOpenAIProvider()</c>).</summary>
    public const string OpenAI = "openai";

    /// <summary>An Ollama server (Llm.Stack.Ollama, <c>AddOllamaProvider()</c>).</summary>
    public const string Ollama = "ollama";
}
