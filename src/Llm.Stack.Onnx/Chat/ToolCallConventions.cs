using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx;

/// <summary>
/// How tools, tool calls and tool results are written into a prompt for each <see cref="ToolCallFormat"/>: the
/// documented system-prompt convention used when a chat template has no <c>tools</c> argument, and the text form of
/// earlier calls for templates that do not render <c>tool_calls</c> themselves.
/// </summary>
internal static class ToolCallConventions
{
    /// <summary>Gets the function declarations among the tools of a request.</summary>
    internal static List<AIFunctionDeclaration> Functions(ChatOptions? options)
    {
        var functions = new List<AIFunctionDeclaration>();
        if (options?.Tools is { Count: > 0 } tools)
        {
            foreach (AITool tool in tools)
            {
                if (tool is AIFunctionDeclaration f)
                {
                    functions.Add(f);
                }
            }
        }

        return functions;
    }

    /// <summary>Writes the tools as the OpenAI-style JSON array that chat templates take as <c>tools</c>.</summary>
    internal static string ToolsJson(IReadOnlyList<AIFunctionDeclaration> functions)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (AIFunctionDeclaration f in functions)
            {
                WriteTool(writer, f);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The system-prompt text that describes the tools and how to call them (used when the template has no tools argument).</summary>
    internal static string SystemPrompt(ToolCallFormat format, IReadOnlyList<AIFunctionDeclaration> functions)
    {
        var sb = new StringBuilder();
        sb.Append("# Tools\n\nYou may call one or more functions to assist with the user query. The functions are:\n");
        foreach (AIFunctionDeclaration f in functions)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                WriteTool(writer, f);
            }

            sb.Append(Encoding.UTF8.GetString(stream.ToArray())).Append('\n');
        }

        sb.Append(format switch
        {
            ToolCallFormat.Llama3Json => "\nTo call a function, respond only with a JSON object {\"name\": function name, \"parameters\": {argument name: value}} and nothing else.",
            ToolCallFormat.Phi => "\nTo call functions, respond with <|tool_call|>[{\"name\": function name, \"arguments\": {argument name: value}}]<|/tool_call|>.",
            _ => "\nFor each function call, return a JSON object with the function name and arguments within <tool_call></tool_call> tags:\n<tool_call>\n{\"name\": function name, \"arguments\": {argument name: value}}\n</tool_call>",
        });
        return sb.ToString();
    }

    /// <summary>Writes earlier calls as the model would have spelled them.</summary>
    internal static string RenderCalls(ToolCallFormat format, IReadOnlyList<FunctionCallContent> calls)
    {
        var sb = new StringBuilder();
        if (format == ToolCallFormat.Phi)
        {
            sb.Append(ToolCallParser.PhiStart).Append('[');
        }

        for (int i = 0; i < calls.Count; i++)
        {
            string json = CallJson(calls[i], format == ToolCallFormat.Llama3Json ? "parameters" : "arguments");
            switch (format)
            {
                case ToolCallFormat.Phi:
                    sb.Append(i > 0 ? ", " : string.Empty).Append(json);
                    break;
                case ToolCallFormat.Llama3Json:
                    sb.Append(i > 0 ? "; " : string.Empty).Append(json);
                    break;
                default:
                    sb.Append(i > 0 ? "\n" : string.Empty).Append(ToolCallParser.HermesStart).Append('\n').Append(json).Append('\n').Append(ToolCallParser.HermesEnd);
                    break;
            }
        }

        if (format == ToolCallFormat.Phi)
        {
            sb.Append(']').Append(ToolCallParser.PhiEnd);
        }

        return sb.ToString();
    }

    /// <summary>Writes a tool result as text: strings as they are, anything else as JSON.</summary>
    internal static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => result.Exception is { } e ? $"Error: {e.Message}" : "null",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        object o => JsonSerializer.Serialize(o, AIJsonUtilities.DefaultOptions.GetTypeInfo(o.GetType())),
    };

    internal static string CallJson(FunctionCallContent call, string argumentsName)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("name", call.Name);
            writer.WritePropertyName(argumentsName);
            WriteArguments(writer, call.Arguments);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static void WriteArguments(Utf8JsonWriter writer, IDictionary<string, object?>? arguments)
    {
        writer.WriteStartObject();
        if (arguments is not null)
        {
            foreach (KeyValuePair<string, object?> kv in arguments)
            {
                writer.WritePropertyName(kv.Key);
                switch (kv.Value)
                {
                    case null:
                        writer.WriteNullValue();
                        break;
                    case JsonElement e:
                        e.WriteTo(writer);
                        break;
                    default:
                        JsonSerializer.Serialize(writer, kv.Value, AIJsonUtilities.DefaultOptions.GetTypeInfo(kv.Value.GetType()));
                        break;
                }
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter writer, AIFunctionDeclaration f)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", f.Name);
        if (!string.IsNullOrEmpty(f.Description))
        {
            writer.WriteString("description", f.Description);
        }

        writer.WritePropertyName("parameters");
        f.JsonSchema.WriteTo(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
