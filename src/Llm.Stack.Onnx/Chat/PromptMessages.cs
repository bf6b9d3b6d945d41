using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx;

/// <summary>One message as a chat template sees it.</summary>
internal sealed record PromptMessage(string Role, string Content, IReadOnlyList<FunctionCallContent>? ToolCalls = null, string? ToolCallId = null);

/// <summary>Turns MEAI chat messages into the role/content list of chat templates, applying the tool conventions.</summary>
internal static class PromptMessages
{
    /// <summary>Normalises the conversation.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">The request's options (tools).</param>
    /// <param name="format">The tool-call format of the model.</param>
    /// <param name="toolsInTemplate">True when the template describes the tools itself (its <c>tools</c> argument); false to describe them in the system prompt.</param>
    /// <param name="templateRendersToolCalls">True when the template renders <c>tool_calls</c>; false to write earlier calls into the content.</param>
    internal static List<PromptMessage> Normalize(IReadOnlyList<ChatMessage> messages, ChatOptions? options, ToolCallFormat format, bool toolsInTemplate, bool templateRendersToolCalls)
    {
        var result = new List<PromptMessage>(messages.Count + 1);
        foreach (ChatMessage message in messages)
        {
            var text = new StringBuilder();
            List<FunctionCallContent>? calls = null;
            foreach (AIContent content in message.Contents)
            {
                switch (content)
                {
                    case TextContent t:
                        text.Append(t.Text);
                        break;
                    case FunctionCallContent call:
                        (calls ??= []).Add(call);
                        break;
                    case FunctionResultContent r:
                        result.Add(new PromptMessage("tool", ToolCallConventions.ResultText(r), ToolCallId: r.CallId));
                        break;
                    default:
                        break;
                }
            }

            string role = message.Role.Value;
            if (calls is not null)
            {
                if (!templateRendersToolCalls && format != ToolCallFormat.None)
                {
                    if (text.Length > 0)
                    {
                        text.Append('\n');
                    }

                    text.Append(ToolCallConventions.RenderCalls(format, calls));
                    calls = null;
                }

                result.Add(new PromptMessage(role, text.ToString(), calls));
            }
            else if (text.Length > 0 || message.Contents.Count == 0 || !message.Contents.All(c => c is FunctionResultContent))
            {
                result.Add(new PromptMessage(role, text.ToString()));
            }
        }

        List<AIFunctionDeclaration> functions = ToolCallConventions.Functions(options);
        if (functions.Count > 0 && !toolsInTemplate && format != ToolCallFormat.None)
        {
            string tools = ToolCallConventions.SystemPrompt(format, functions);
            if (result.Count > 0 && result[0].Role == "system")
            {
                result[0] = result[0] with { Content = result[0].Content + "\n\n" + tools };
            }
            else
            {
                result.Insert(0, new PromptMessage("system", tools));
            }
        }

        if (options?.Instructions is { Length: > 0 } instructions)
        {
            if (result.Count > 0 && result[0].Role == "system")
            {
                result[0] = result[0] with { Content = instructions + "\n\n" + result[0].Content };
            }
            else
            {
                result.Insert(0, new PromptMessage("system", instructions));
            }
        }

        return result;
    }

    /// <summary>Writes the messages as the JSON array that GenAI's <c>Tokenizer.ApplyChatTemplate</c> takes.</summary>
    internal static string ToJson(List<PromptMessage> messages)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (PromptMessage m in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", m.Role);
                writer.WriteString("content", m.Content);
                if (m.ToolCallId is not null)
                {
                    writer.WriteString("tool_call_id", m.ToolCallId);
                }

                if (m.ToolCalls is { Count: > 0 })
                {
                    writer.WriteStartArray("tool_calls");
                    foreach (FunctionCallContent call in m.ToolCalls)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("id", call.CallId);
                        writer.WriteString("type", "function");
                        writer.WriteStartObject("function");
                        writer.WriteString("name", call.Name);
                        writer.WritePropertyName("arguments");
                        ToolCallConventions.WriteArguments(writer, call.Arguments);
                        writer.WriteEndObject();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
