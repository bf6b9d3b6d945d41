using System.Text;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx;

/// <summary>The built-in prompt formats (ChatML, Llama 3, Phi-3), each with its model family's tool convention.</summary>
internal sealed class BuiltInChatPromptFormatter : IChatPromptFormatter
{
    private readonly Kind _kind;

    internal BuiltInChatPromptFormatter(Kind kind) => _kind = kind;

    internal enum Kind
    {
        ChatMl,
        Llama3,
        Phi3,
    }

    /// <summary>Gets the tool-call format this prompt format teaches the model.</summary>
    internal ToolCallFormat ToolCallFormat => _kind switch
    {
        Kind.Llama3 => ToolCallFormat.Llama3Json,
        Kind.Phi3 => ToolCallFormat.Phi,
        _ => ToolCallFormat.Hermes,
    };

    public string Format(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        List<PromptMessage> normalized = PromptMessages.Normalize(messages, options, ToolCallFormat, toolsInTemplate: false, templateRendersToolCalls: false);
        var sb = new StringBuilder();
        switch (_kind)
        {
            case Kind.Llama3:
                sb.Append("<|begin_of_text|>");
                foreach (PromptMessage m in normalized)
                {
                    sb.Append("<|start_header_id|>").Append(m.Role == "tool" ? "ipython" : m.Role).Append("<|end_header_id|>\n\n").Append(m.Content).Append("<|eot_id|>");
                }

                sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                break;
            case Kind.Phi3:
                foreach (PromptMessage m in normalized)
                {
                    sb.Append("<|").Append(m.Role).Append("|>\n").Append(m.Content).Append("<|end|>\n");
                }

                sb.Append("<|assistant|>\n");
                break;
            default:
                foreach (PromptMessage m in normalized)
                {
                    sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
                }

                sb.Append("<|im_start|>assistant\n");
                break;
        }

        return sb.ToString();
    }
}
