using System.Globalization;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Reads the front matter of a prompt template: a YAML subset between <c>---</c> lines with <c>name</c>,
/// <c>description</c>, <c>input_variables</c> (a list of maps: name, description, default, is_required) and
/// <c>execution_settings</c> (a map turned into <see cref="ChatOptions"/>).
/// </summary>
internal static class FrontMatter
{
    public sealed class Result
    {
        public string? Name { get; set; }

        public string? Description { get; set; }

        public List<PromptVariable> Variables { get; } = [];

        public ChatOptions? Settings { get; set; }

        public string Body { get; set; } = string.Empty;
    }

    public static Result Read(string text)
    {
        var result = new Result { Body = text };
        string normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!normalized.StartsWith("---\n", StringComparison.Ordinal))
        {
            return result;
        }

        int end = normalized.IndexOf("\n---", 3, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new FormatException("The front matter starting with '---' on line 1 is never closed with a '---' line.");
        }

        string[] lines = normalized[4..end].Split('\n');
        int bodyStart = normalized.IndexOf('\n', end + 4);
        result.Body = bodyStart < 0 ? string.Empty : normalized[(bodyStart + 1)..];

        string? block = null;
        Dictionary<string, string>? item = null;
        var items = new List<Dictionary<string, string>>();
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int n = 0; n < lines.Length; n++)
        {
            string raw = lines[n];
            if (string.IsNullOrWhiteSpace(raw) || raw.TrimStart().StartsWith('#'))
            {
                continue;
            }

            int indent = raw.Length - raw.TrimStart().Length;
            string line = raw.Trim();
            if (indent == 0)
            {
                (string key, string value) = Split(line, n);
                block = null;
                switch (key)
                {
                    case "name":
                        result.Name = Unquote(value);
                        break;
                    case "description":
                        result.Description = Unquote(value);
                        break;
                    case "input_variables":
                    case "execution_settings":
                        block = key;
                        break;
                    default:
                        throw new FormatException($"Front matter line {n + 2}: unknown key '{key}' (expected name, description, input_variables or execution_settings).");
                }

                continue;
            }

            if (block == "input_variables")
            {
                if (line.StartsWith("- ", StringComparison.Ordinal) || line == "-")
                {
                    item = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    items.Add(item);
                    line = line[1..].Trim();
                    if (line.Length == 0)
                    {
                        continue;
                    }
                }

                if (item is null)
                {
                    throw new FormatException($"Front matter line {n + 2}: input_variables must be a list ('- name: ...').");
                }

                (string key, string value) = Split(line, n);
                item[key] = value;
            }
            else if (block == "execution_settings")
            {
                (string key, string value) = Split(line, n);
                settings[key] = value;
            }
            else
            {
                throw new FormatException($"Front matter line {n + 2}: unexpected indentation.");
            }
        }

        foreach (Dictionary<string, string> v in items)
        {
            if (!v.TryGetValue("name", out string? name) || string.IsNullOrWhiteSpace(Unquote(name)))
            {
                throw new FormatException("Front matter: every input variable needs a name.");
            }

            bool hasDefault = v.TryGetValue("default", out string? def);
            result.Variables.Add(new PromptVariable(Unquote(name))
            {
                Description = v.TryGetValue("description", out string? d) ? Unquote(d) : null,
                Default = hasDefault ? Unquote(def!) : null,
                IsRequired = v.TryGetValue("is_required", out string? r) ? bool.Parse(Unquote(r)) : !hasDefault,
            });
        }

        if (settings.Count > 0)
        {
            result.Settings = ToChatOptions(settings);
        }

        return result;
    }

    private static ChatOptions ToChatOptions(Dictionary<string, string> settings)
    {
        var options = new ChatOptions();
        foreach ((string key, string raw) in settings)
        {
            string value = Unquote(raw);
            switch (key.ToLowerInvariant())
            {
                case "temperature":
                    options.Temperature = float.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "top_p":
                    options.TopP = float.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "top_k":
                    options.TopK = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "max_tokens":
                case "max_output_tokens":
                    options.MaxOutputTokens = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "frequency_penalty":
                    options.FrequencyPenalty = float.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "presence_penalty":
                    options.PresencePenalty = float.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "seed":
                    options.Seed = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "model_id":
                case "model":
                    options.ModelId = value;
                    break;
                case "response_format":
                    options.ResponseFormat = value.Equals("json", StringComparison.OrdinalIgnoreCase) ? ChatResponseFormat.Json : ChatResponseFormat.Text;
                    break;
                case "stop":
                case "stop_sequences":
                    options.StopSequences = value.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Unquote).ToList();
                    break;
                default:
                    (options.AdditionalProperties ??= [])[key] = value;
                    break;
            }
        }

        return options;
    }

    private static (string Key, string Value) Split(string line, int n)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"Front matter line {n + 2}: expected 'key: value', got '{line}'.");
        }

        return (line[..colon].Trim(), line[(colon + 1)..].Trim());
    }

    private static string Unquote(string value)
    {
        value = value.Trim();
        if (value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')))
        {
            value = value[1..^1];
            if (value.Contains('\\', StringComparison.Ordinal))
            {
                value = value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal);
            }
        }

        return value;
    }
}
