using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>The OpenAI chat-completions bodies the test servers answer with.</summary>
internal static class OpenAIWire
{
    /// <summary>A non-streamed completion of <paramref name="content"/>, finish reason <c>stop</c>.</summary>
    public static string Completion(string model, string content, int promptTokens, int completionTokens) => new JsonObject
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
        ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
    }.ToJsonString();

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
