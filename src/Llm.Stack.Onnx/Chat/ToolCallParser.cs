using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx;

/// <summary>Parses the tool calls a model spelled in its output, in one of the <see cref="ToolCallFormat"/>s.</summary>
/// <remarks>Stateless and thread-safe. Text that is not a well-formed call stays text: nothing the model wrote is lost.</remarks>
internal static class ToolCallParser
{
    internal const string HermesStart = "<tool_call>";
    internal const string HermesEnd = "</tool_call>";
    internal const string PhiStart = "<|tool_call|>";
    internal const string PhiEnd = "<|/tool_call|>";
    internal const string PythonTag = "<|python_tag|>";

    /// <summary>Gets the text that opens a tool call in <paramref name="format"/> (null when a call is recognised otherwise).</summary>
    internal static string? StartMarker(ToolCallFormat format) => format switch
    {
        ToolCallFormat.Hermes => HermesStart,
        ToolCallFormat.Phi => PhiStart,
        ToolCallFormat.Llama3Json => PythonTag,
        _ => null,
    };

    /// <summary>Parses <paramref name="text"/>, which starts at a tool call (or, for Llama 3, is the whole answer).</summary>
    /// <param name="text">The output from the start marker on.</param>
    /// <param name="format">The format.</param>
    /// <param name="newCallId">Creates call ids.</param>
    /// <param name="calls">Receives the calls found.</param>
    /// <returns>The text that is not part of a call (malformed calls included, verbatim).</returns>
    internal static string Parse(string text, ToolCallFormat format, Func<string> newCallId, List<FunctionCallContent> calls) => format switch
    {
        ToolCallFormat.Hermes => ParseTagged(text, HermesStart, HermesEnd, newCallId, calls),
        ToolCallFormat.Phi => ParseTagged(text, PhiStart, PhiEnd, newCallId, calls),
        ToolCallFormat.Llama3Json => ParseLlama3(text, newCallId, calls),
        _ => text,
    };

    private static string ParseTagged(string text, string start, string end, Func<string> newCallId, List<FunctionCallContent> calls)
    {
        var rest = new System.Text.StringBuilder();
        int position = 0;
        while (position < text.Length)
        {
            int open = text.IndexOf(start, position, StringComparison.Ordinal);
            if (open < 0)
            {
                rest.Append(text, position, text.Length - position);
                break;
            }

            rest.Append(text, position, open - position);
            int bodyStart = open + start.Length;
            int close = text.IndexOf(end, bodyStart, StringComparison.Ordinal);
            int bodyEnd = close < 0 ? text.Length : close;
            int next = close < 0 ? text.Length : close + end.Length;
            if (!TryAddCalls(text.AsSpan(bodyStart, bodyEnd - bodyStart).Trim().ToString(), newCallId, calls))
            {
                rest.Append(text, open, next - open);
            }

            position = next;
        }

        return rest.ToString().Trim();
    }

    private static string ParseLlama3(string text, Func<string> newCallId, List<FunctionCallContent> calls)
    {
        string body = text.Trim();
        if (body.StartsWith(PythonTag, StringComparison.Ordinal))
        {
            body = body[PythonTag.Length..].Trim();
        }

        // Several calls may be separated by ';' (Llama 3.2) — try the whole body first, then the parts.
        int before = calls.Count;
        if (TryAddCalls(body, newCallId, calls))
        {
            return string.Empty;
        }

        string[] parts = body.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 1)
        {
            foreach (string part in parts)
            {
                if (!TryAddCalls(part, newCallId, calls))
                {
                    calls.RemoveRange(before, calls.Count - before);
                    return text.Trim();
                }
            }

            return string.Empty;
        }

        return text.Trim();
    }

    /// <summary>Adds the calls of one JSON object or array of objects; false (and nothing added) when malformed.</summary>
    internal static bool TryAddCalls(string json, Func<string> newCallId, List<FunctionCallContent> calls)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            var found = new List<FunctionCallContent>();
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in root.EnumerateArray())
                {
                    if (!TryReadCall(item, newCallId, out FunctionCallContent? call))
                    {
                        return false;
                    }

                    found.Add(call);
                }
            }
            else if (TryReadCall(root, newCallId, out FunctionCallContent? call))
            {
                found.Add(call);
            }

            if (found.Count == 0)
            {
                return false;
            }

            calls.AddRange(found);
            return true;
        }
    }

    private static bool TryReadCall(JsonElement element, Func<string> newCallId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FunctionCallContent? call)
    {
        call = null;
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("name", out JsonElement name)
            || name.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(name.GetString()))
        {
            return false;
        }

        JsonElement arguments = default;
        bool hasArguments = element.TryGetProperty("arguments", out arguments) || element.TryGetProperty("parameters", out arguments);
        Dictionary<string, object?>? parsed = null;
        Exception? error = null;
        if (hasArguments)
        {
            if (arguments.ValueKind == JsonValueKind.String)
            {
                // Some models emit the arguments as a JSON string (OpenAI style).
                try
                {
                    using JsonDocument inner = JsonDocument.Parse(arguments.GetString()!);
                    parsed = ReadArguments(inner.RootElement, out error);
                }
                catch (JsonException ex)
                {
                    error = new InvalidOperationException($"The arguments of the call to '{name.GetString()}' are not valid JSON.", ex);
                }
            }
            else
            {
                parsed = ReadArguments(arguments, out error);
            }
        }

        call = new FunctionCallContent(newCallId(), name.GetString()!, parsed ?? []) { Exception = error };
        return true;
    }

    private static Dictionary<string, object?>? ReadArguments(JsonElement arguments, out Exception? error)
    {
        error = null;
        if (arguments.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (arguments.ValueKind != JsonValueKind.Object)
        {
            error = new InvalidOperationException($"The arguments of a tool call must be a JSON object, not {arguments.ValueKind}.");
            return null;
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (JsonProperty property in arguments.EnumerateObject())
        {
            result[property.Name] = property.Value.Clone();
        }

        return result;
    }
}
