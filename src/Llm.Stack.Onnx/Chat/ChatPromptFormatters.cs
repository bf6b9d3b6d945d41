namespace Llm.Stack.Onnx;

/// <summary>Built-in <see cref="IChatPromptFormatter"/>s for models whose folder has no chat template.</summary>
/// <remarks>
/// Each format describes tools in the system prompt with its model family's convention and writes earlier tool
/// calls as the family spells them: ChatML uses Hermes <c>&lt;tool_call&gt;</c> blocks, Llama 3 a bare JSON object
/// with <c>parameters</c>, Phi-3 <c>&lt;|tool_call|&gt;[…]</c>. The instances are immutable and thread-safe.
/// </remarks>
public static class ChatPromptFormatters
{
    /// <summary>Gets the ChatML format (<c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;</c>) used by Qwen, Hermes, SmolLM and others.</summary>
    public static IChatPromptFormatter ChatMl { get; } = new BuiltInChatPromptFormatter(BuiltInChatPromptFormatter.Kind.ChatMl);

    /// <summary>Gets the Llama 3 format (<c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n…&lt;|eot_id|&gt;</c>).</summary>
    public static IChatPromptFormatter Llama3 { get; } = new BuiltInChatPromptFormatter(BuiltInChatPromptFormatter.Kind.Llama3);

    /// <summary>Gets the Phi-3 / Phi-4 format (<c>&lt;|role|&gt;\n…&lt;|end|&gt;</c>).</summary>
    public static IChatPromptFormatter Phi3 { get; } = new BuiltInChatPromptFormatter(BuiltInChatPromptFormatter.Kind.Phi3);
}
