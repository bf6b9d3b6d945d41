using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// A real HTTP server on a free loopback port that speaks the OpenAI chat-completions and embeddings protocol: it answers
/// <c>You asked: {last user message}</c> (whole or streamed as server-sent events) and embeds each input as
/// <c>[length, vowels, 1]</c>. It records every request it receives. Answers queued in <see cref="Replies"/> are given
/// instead of the echo, one per chat request, in order. It also runs fine-tuning jobs (files and <c>fine_tuning/jobs</c>
/// endpoints, <c>OpenAIProtocolServer.FineTuning.cs</c>), whose tuned models then answer chat requests.
/// </summary>
public sealed partial class OpenAIProtocolServer : LoopbackProtocolServer
{
    /// <summary>Gets the answers the next chat requests get instead of the echo, first in first out.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Replies { get; } = new();

    /// <summary>Gets the OpenAI-compatible endpoint, such as <c>http://127.0.0.1:41234/v1/</c>.</summary>
    public Uri Endpoint => new(BaseAddress, "v1/");

    /// <inheritdoc />
    protected override async Task HandleAsync(string path, JsonNode body, System.Collections.Specialized.NameValueCollection headers, HttpListenerResponse response)
    {
        string model = body["model"]?.GetValue<string>() ?? "";

        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            string question = body["messages"]!.AsArray().Last()!["content"] switch
            {
                JsonValue text => text.GetValue<string>(),
                JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())),
                _ => "",
            };
            if (model.StartsWith("ft:", StringComparison.Ordinal) && !IsTunedModel(model))
            {
                await WriteAsync(response, "application/json", Error($"The model `{model}` does not exist or you do not have access to it.", "model", "model_not_found"), 404);
                return;
            }

            string answer = Replies.TryDequeue(out string? reply) ? reply : TunedAnswer(model, question) ?? "You asked: " + question;
            if (body["stream"]?.GetValue<bool>() == true)
            {
                var events = new StringBuilder();
                foreach (string piece in answer.Split(' '))
                {
                    events.Append("data: ").Append(OpenAIWire.Chunk(model, piece == answer.Split(' ')[0] ? piece : " " + piece, null)).Append("\n\n");
                }

                events.Append("data: ").Append(OpenAIWire.Chunk(model, null, "stop")).Append("\n\ndata: [DONE]\n\n");
                await WriteAsync(response, "text/event-stream", events.ToString());
                return;
            }

            await WriteAsync(response, "application/json", OpenAIWire.Completion(model, answer, 5, 3));
            return;
        }

        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await WriteAsync(response, "application/json", OpenAIWire.Embeddings(OpenAIWire.EmbeddingInputs(body), model, promptTokens: 1));
            return;
        }

        await WriteAsync(response, "application/json", "{\"error\":{\"message\":\"not found\"}}", 404);
    }
}
