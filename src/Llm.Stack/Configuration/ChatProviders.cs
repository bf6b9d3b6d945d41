namespace Llm.Stack;

/// <summary>The values of <see cref="ChatModelSettings.Provider"/> that Llm.Stack's packages register.</summary>
public static class ChatProviders
{
    /// <summary>No chat model: answers are extractive.</summary>
    public const string None = "none";

    /// <summary>A local ONNX Runtime GenAI model folder (Llm.Stack.Onnx, <c>AddOnnxProvider()</c>).</summary>
    public const string Onnx = "onnx";

    /// <summary>An OpenAI-compatible HTTP endpoint (Llm.Stack.OpenAI, <c>AddOpenAIProvider()</c>).</summary>
    public const string OpenAI = "openai";

    /// <summary>An Ollama server (Llm.Stack.Ollama, <c>AddOllamaProvider()</c>).</summary>
    public const string Ollama = "ollama";

    /// <summary>Anthropic's Messages API (Llm.Stack.Anthropic, <c>AddAnthropicProvider()</c>).</summary>
    public const string Anthropic = "anthropic";
}
