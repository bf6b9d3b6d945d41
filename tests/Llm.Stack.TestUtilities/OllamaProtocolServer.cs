using System.Net;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// A real HTTP server on a free loopback port that speaks Ollama's API: <c>/api/chat</c> answers
/// <c>You asked: {last user message}</c>, streamed as newline-delimited JSON objects (one per word, then a last one with
/// <c>done: true</c>, <c>done_reason</c> and the token counts <c>prompt_eval_count</c> 5 and <c>eval_count</c> 3), or
/// whole when the request says <c>"stream": false</c>; <c>/api/embed</c> embeds each input as <c>[length, vowels, 1]</c>.
/// It records every request it receives.
/// </summary>
public sealed class OllamaProtocolServer : LoopbackProtocolServer
{
    /// <inheritdoc />
    protected override async Task HandleAsync(string path, JsonNode body, System.Collections.Specialized.NameValueCollection headers, HttpListenerResponse response)
    {
        string model = body["model"]?.GetValue<string>() ?? string.Empty;
        if (path == "/api/chat")
        {
            string answer = "You asked: " + body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
            if (body["stream"]?.GetValue<bool>() == false)
            {
                await WriteAsync(response, "application/json", Final(model, answer).ToJsonString());
                return;
            }

            string[] words = answer.Split(' ');
            IEnumerable<string> lines = words
                .Select((word, i) => Message(model, i == 0 ? word : " " + word).ToJsonString() + "\n")
                .Append(Final(model, string.Empty).ToJsonString() + "\n");
            await WriteStreamAsync(response, "application/x-ndjson", lines);
            return;
        }

        if (path == "/api/embed")
        {
            JsonNode input = body["input"]!;
            string[] inputs = input is JsonArray array ? [.. array.Select(i => i!.GetValue<string>())] : [input.GetValue<string>()];
            var embeddings = new JsonArray();
            foreach (string text in inputs)
            {
                embeddings.Add(new JsonArray(text.Length, text.Count("aeiou".Contains), 1));
            }

            await WriteAsync(response, "application/json", new JsonObject
            {
                ["model"] = model,
                ["embeddings"] = embeddings,
                ["prompt_eval_count"] = inputs.Length,
            }.ToJsonString());
            return;
        }

        await WriteAsync(response, "application/json", "{\"error\":\"not found\"}", 404);
    }

    private static JsonObject Message(string model, string content) => new()
    {
        ["model"] = model,
        ["created_at"] = "2026-12-06T07:00:00.000000000Z",
        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
        ["done"] = false,
    };

    private static JsonObject Final(string model, string content)
    {
        JsonObject final = Message(model, content);
        final["done"] = true;
        final["done_reason"] = "stop";
        final["total_duration"] = 1_000_000;
        final["prompt_eval_count"] = 5;
        final["eval_count"] = 3;
        return final;
    }
}
