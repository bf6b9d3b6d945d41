using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Cli;

/// <summary>
/// An OpenAI-compatible HTTP endpoint (<c>POST /v1/chat/completions</c>, streaming or not, and
/// <c>GET /v1/models</c>) for one <see cref="IChatClient"/>, bound to the loopback address only.
/// </summary>
internal static class OpenAICompatibleServer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Builds the server; the caller starts it.</summary>
    /// <param name="port">The port on 127.0.0.1; 0 picks a free one.</param>
    /// <param name="modelId">The model id the endpoint reports.</param>
    /// <param name="answer">Answers one request: the messages and options, streamed as updates.</param>
    public static WebApplication Build(int port, string modelId, Func<IList<ChatMessage>, ChatOptions, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> answer)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Services.AddRoutingCore();
        WebApplication app = builder.Build();

        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = modelId, @object = "model", owned_by = "llmstack" } } }, Json));

        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            ChatCompletionRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<ChatCompletionRequest>(http.Request.Body, Json, http.RequestAborted);
            }
            catch (JsonException e)
            {
                await WriteErrorAsync(http, 400, $"The request body is not valid JSON: {e.Message}");
                return;
            }

            if (request?.Messages is not { Count: > 0 })
            {
                await WriteErrorAsync(http, 400, "'messages' must hold at least one message.");
                return;
            }

            var messages = request.Messages.Select(m => new ChatMessage(new ChatRole(m.Role ?? "user"), m.Content ?? string.Empty)).ToList();
            var options = new ChatOptions
            {
                MaxOutputTokens = request.MaxTokens ?? request.MaxCompletionTokens,
                Temperature = request.Temperature,
                TopP = request.TopP,
                Seed = request.Seed,
                StopSequences = request.Stop,
            };
            string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

            if (request.Stream == true)
            {
                http.Response.ContentType = "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache";
                ChatFinishReason? finish = null;
                await foreach (ChatResponseUpdate update in answer(messages, options, http.RequestAborted))
                {
                    finish ??= update.FinishReason;
                    if (!string.IsNullOrEmpty(update.Text))
                    {
                        await WriteEventAsync(http, Chunk(id, created, modelId, new Delta(null, update.Text), null));
                    }
                }

                await WriteEventAsync(http, Chunk(id, created, modelId, new Delta(null, null), FinishReason(finish)));
                await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
                return;
            }

            ChatResponse response = await answer(messages, options, http.RequestAborted).ToChatResponseAsync(http.RequestAborted);
            var body = new
            {
                id,
                @object = "chat.completion",
                created,
                model = modelId,
                choices = new[]
                {
                    new { index = 0, message = new { role = "assistant", content = response.Text }, finish_reason = FinishReason(response.FinishReason) },
                },
                usage = new
                {
                    prompt_tokens = response.Usage?.InputTokenCount ?? 0,
                    completion_tokens = response.Usage?.OutputTokenCount ?? 0,
                    total_tokens = response.Usage?.TotalTokenCount ?? 0,
                },
            };
            await http.Response.WriteAsJsonAsync(body, Json, http.RequestAborted);
        });

        return app;
    }

    private static object Chunk(string id, long created, string model, Delta delta, string? finishReason) => new
    {
        id,
        @object = "chat.completion.chunk",
        created,
        model,
        choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
    };

    private static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.ContentFilter ? "content_filter"
        : reason == ChatFinishReason.ToolCalls ? "tool_calls"
        : "stop";

    private static async Task WriteEventAsync(HttpContext http, object payload)
    {
        await http.Response.WriteAsync("data: " + JsonSerializer.Serialize(payload, Json) + "\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { error = new { message, type = "invalid_request_error" } }, Json, http.RequestAborted);
    }

    private sealed record Delta(string? Role, string? Content);

    private sealed class ChatCompletionRequest
    {
        public string? Model { get; set; }

        public List<RequestMessage>? Messages { get; set; }

        public bool? Stream { get; set; }

        public int? MaxTokens { get; set; }

        public int? MaxCompletionTokens { get; set; }

        public float? Temperature { get; set; }

        public float? TopP { get; set; }

        public long? Seed { get; set; }

        [JsonConverter(typeof(StopConverter))]
        public List<string>? Stop { get; set; }
    }

    private sealed class RequestMessage
    {
        public string? Role { get; set; }

        [JsonConverter(typeof(ContentConverter))]
        public string? Content { get; set; }
    }

    /// <summary>Reads <c>stop</c> given as one string or an array of strings.</summary>
    private sealed class StopConverter : JsonConverter<List<string>>
    {
        public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.String => [reader.GetString()!],
                JsonTokenType.Null => null,
                _ => JsonSerializer.Deserialize<List<string>>(ref reader),
            };

        public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options) => JsonSerializer.Serialize(writer, value);
    }

    /// <summary>Reads message <c>content</c> given as a string or as an array of text parts.</summary>
    private sealed class ContentConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            using var parts = JsonDocument.ParseValue(ref reader);
            return string.Concat(parts.RootElement.EnumerateArray()
                .Where(p => p.TryGetProperty("type", out JsonElement t) && t.GetString() == "text")
                .Select(p => p.GetProperty("text").GetString()));
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
