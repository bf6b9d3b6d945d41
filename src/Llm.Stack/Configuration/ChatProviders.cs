namespace Llm.Stack;

/// <summary>The values of <see cref="ChatModelSettings.Provider"/>.</summary>
public static class ChatProviders
{
    /// <summary>No chat model: answers are extractive.</summary>
    public const string None = "none";

    /// <summary>A local ONNX Runtime GenAI model folder.</summary>
    public const string Onnx = "onnx";

    /// <summary>An OpenAI-compatible HTTP endpoint.</summary>
    public const string OpenAI = "openai";

    internal static readonly string[] All = [None, Onnx, OpenAI];
}
