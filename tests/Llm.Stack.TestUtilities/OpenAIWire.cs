using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>The OpenAI chat-completions and embeddings bodies the test servers answer with.</summary>
internal static class OpenAIWire
{
    /// <summary>The texts of an embeddings request's <c>input</c> (one string or an array of them).</summary>
    public static string[] EmbeddingInputs(JsonNode body)
    {
        JsonNode input = body["input"]!;
        return input is JsonArray array ? [.. array.Select(i => i!.GetValue<string>())] : [input.GetValue<string>()];
    }

    /// <summary>
    /// An embeddings response: each input's vector is (its length, its vowels, 1), so that different texts point in
    /// different directions; usage reports <paramref name="promptTokens"/>.
    /// </summary>
    public static string Embeddings(string[] inputs, string model, int promptTokens)
    {
        var data = new JsonArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = new JsonArray(inputs[i].Length, inputs[i].Count("aeiou".Contains), 1),
            });
        }

        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["total_tokens"] = promptTokens },
        }.ToJsonString();
    }

    /// <summary>A non-streamed completion of <paramref name="content"/>, finish reason <c>stop</c>.</summary>
    public static string Completion(string model, string content, int promptTokens, int completionTokens, int cachedTokens = 0, int reasoningTokens = 0) => new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = Usage(promptTokens, completionTokens, cachedTokens, reasoningTokens),
    }.ToJsonString();

    /// <summary>The last chunk of a stream whose request asked for usage (<c>stream_options.include_usage</c>): no choices, the usage.</summary>
    public static string UsageChunk(string model, int promptTokens, int completionTokens, int cachedTokens = 0, int reasoningTokens = 0) => new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(),
        ["usage"] = Usage(promptTokens, completionTokens, cachedTokens, reasoningTokens),
    }.ToJsonString();

    private static JsonObject Usage(int promptTokens, int completionTokens, int cachedTokens, int reasoningTokens)
    {
        var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens };
        if (cachedTokens > 0)
        {
            usage["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cachedTokens };
        }

        if (reasoningTokens > 0)
        {
            usage["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = reasoningTokens };
        }

        return usage;
    }

    /// <summary>One server-sent-event chunk: a piece of content (with the role), or none with a finish reason.</summary>
    public static string Chunk(string model, string? content, string? finish) => new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = content is null ? new JsonObject() : new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["finish_reason"] = finish,
        }),
    }.ToJsonString();
}
