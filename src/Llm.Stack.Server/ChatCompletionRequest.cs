using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Server;

/// <summary>A validated <c>POST /v1/chat/completions</c> body: every parameter is honoured or refused by name.</summary>
internal sealed class ChatCompletionRequest
{
    private ChatCompletionRequest(string model, List<ChatMessage> messages, ChatOptions options, bool stream, bool includeUsage)
    {
        Model = model;
        Messages = messages;
        Options = options;
        Stream = stream;
        IncludeUsage = includeUsage;
    }

    public string Model { get; }

    public List<ChatMessage> Messages { get; }

    public ChatOptions Options { get; }

    public bool Stream { get; }

    public bool IncludeUsage { get; }

    public static ChatCompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIError.Invalid("The request body must be a JSON object.");
        }

        string model = RequiredString(root, "model");
        List<ChatMessage> messages = ParseMessages(root);
        var options = new ChatOptions { ModelId = model };

        int? maxTokens = OptionalInt(root, "max_tokens", 1);
        int? maxCompletionTokens = OptionalInt(root, "max_completion_tokens", 1);
        options.MaxOutputTokens = maxCompletionTokens ?? maxTokens;
        options.Temperature = OptionalNumber(root, "temperature", 0, 2);
        options.TopP = OptionalNumber(root, "top_p", 0, 1);
        options.FrequencyPenalty = OptionalNumber(root, "frequency_penalty", -2, 2);
        options.PresencePenalty = OptionalNumber(root, "presence_penalty", -2, 2);
        if (Get(root, "seed") is { } seed)
        {
            options.Seed = seed.ValueKind == JsonValueKind.Number && seed.TryGetInt64(out long s) ? s : throw OpenAIError.Invalid("'seed' must be an integer.", "seed");
        }

        options.StopSequences = ParseStop(root);

        if (Get(root, "n") is { } n && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out int count) && count == 1))
        {
            throw OpenAIError.Invalid("Only one choice per request is supported: 'n' must be 1.", "n");
        }

        if (Get(root, "tools") is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
        {
            throw OpenAIError.Invalid("Tools are not supported by this server: send the request without 'tools'.", "tools");
        }

        if (Get(root, "functions") is { ValueKind: JsonValueKind.Array } functions && functions.GetArrayLength() > 0)
        {
            throw OpenAIError.Invalid("Functions are not supported by this server: send the request without 'functions'.", "functions");
        }

        if (Get(root, "tool_choice") is { } toolChoice && !(toolChoice.ValueKind == JsonValueKind.String && toolChoice.GetString() is "none" or "auto"))
        {
            throw OpenAIError.Invalid("Tools are not supported by this server: 'tool_choice' may only be \"none\" or \"auto\".", "tool_choice");
        }

        if (Get(root, "response_format") is { } format
            && !(format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"))
        {
            throw OpenAIError.Invalid("Only text responses are supported: 'response_format' may only be {\"type\": \"text\"}.", "response_format");
        }

        if (Get(root, "logprobs") is { ValueKind: JsonValueKind.True })
        {
            throw OpenAIError.Invalid("Log probabilities are not supported by this server: 'logprobs' must be false.", "logprobs");
        }

        bool stream = OptionalBool(root, "stream");
        bool includeUsage = false;
        if (Get(root, "stream_options") is { } streamOptions)
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                throw OpenAIError.Invalid("'stream_options' must be an object.", "stream_options");
            }

            if (!stream)
            {
                throw OpenAIError.Invalid("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            }

            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage");
        }

        return new ChatCompletionRequest(model, messages, options, stream, includeUsage);
    }

    private static List<ChatMessage> ParseMessages(JsonElement root)
    {
        if (Get(root, "messages") is not { ValueKind: JsonValueKind.Array } array)
        {
            throw OpenAIError.Invalid("'messages' must be an array of message objects, such as [{\"role\": \"user\", \"content\": \"Hello\"}].", "messages");
        }

        if (array.GetArrayLength() == 0)
        {
            throw OpenAIError.Invalid("'messages' must hold at least one message.", "messages");
        }

        var messages = new List<ChatMessage>();
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            string at = $"messages[{i}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw OpenAIError.Invalid($"'{at}' must be an object with 'role' and 'content'.", at);
            }

            string role = Get(item, "role") is { ValueKind: JsonValueKind.String } r ? r.GetString()! : throw OpenAIError.Invalid($"'{at}.role' is required.", $"{at}.role");
            ChatRole chatRole = role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => throw OpenAIError.Invalid($"'{at}.role' is '{role}'; it must be one of 'system', 'developer', 'user', 'assistant' or 'tool'.", $"{at}.role"),
            };
            string? content = ParseContent(Get(item, "content"), $"{at}.content");
            if (string.IsNullOrWhiteSpace(content) && chatRole != ChatRole.Assistant)
            {
                throw OpenAIError.Invalid($"'{at}.content' must not be empty.", $"{at}.content");
            }

            messages.Add(new ChatMessage(chatRole, content ?? string.Empty));
            i++;
        }

        if (!messages.Any(m => m.Role == ChatRole.User))
        {
            throw OpenAIError.Invalid("The conversation ('messages') holds no user message to answer: add a message with \"role\": \"user\".", "messages");
        }

        return messages;
    }

    private static string? ParseContent(JsonElement? content, string at)
    {
        switch (content?.ValueKind)
        {
            case null or JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return content.Value.GetString();
            case JsonValueKind.Array:
                var text = new StringBuilder();
                int j = 0;
                foreach (JsonElement part in content.Value.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || Get(part, "type") is not { ValueKind: JsonValueKind.String } type)
                    {
                        throw OpenAIError.Invalid($"'{at}[{j}]' must be an object with a 'type'.", $"{at}[{j}]");
                    }

                    if (type.GetString() != "text" || Get(part, "text") is not { ValueKind: JsonValueKind.String } partText)
                    {
                        throw OpenAIError.Invalid($"'{at}[{j}]' is a '{type.GetString()}' part; only text parts ({{\"type\": \"text\", \"text\": \"…\"}}) are supported.", $"{at}[{j}]");
                    }

                    text.Append(partText.GetString());
                    j++;
                }

                return text.ToString();
            default:
                throw OpenAIError.Invalid($"'{at}' must be a string or an array of text parts.", at);
        }
    }

    private static List<string>? ParseStop(JsonElement root)
    {
        switch (Get(root, "stop"))
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return null;
            case { ValueKind: JsonValueKind.String } one when one.GetString() is { Length: > 0 } s:
                return [s];
            case { ValueKind: JsonValueKind.Array } many when many.GetArrayLength() <= 4
                && many.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String && e.GetString()!.Length > 0):
                return many.EnumerateArray().Select(e => e.GetString()!).ToList();
            default:
                throw OpenAIError.Invalid("'stop' must be a non-empty string or an array of up to 4 non-empty strings.", "stop");
        }
    }

    internal static JsonElement? Get(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    internal static string RequiredString(JsonElement root, string name) =>
        Get(root, name) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } s
            ? s
            : throw OpenAIError.Invalid($"'{name}' is required: the id of a model from GET /v1/models.", name);

    private static int? OptionalInt(JsonElement root, string name, int minimum) =>
        Get(root, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n >= minimum ? n
        : throw OpenAIError.Invalid($"'{name}' must be an integer of at least {minimum}.", name);

    private static float? OptionalNumber(JsonElement root, string name, double minimum, double maximum) =>
        Get(root, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Number && value.GetDouble() is double d && d >= minimum && d <= maximum ? (float)d
        : throw OpenAIError.Invalid($"'{name}' must be a number from {minimum} to {maximum}.", name);

    private static bool OptionalBool(JsonElement root, string name, string? param = null) =>
        Get(root, name) switch
        {
            null => false,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw OpenAIError.Invalid($"'{param ?? name}' must be true or false.", param ?? name),
        };
}
