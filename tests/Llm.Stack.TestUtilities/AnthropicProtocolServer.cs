using System.Net;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// A real HTTP server on a free loopback port that speaks Anthropic's Messages API (<c>POST /v1/messages</c>): it answers
/// <c>You asked: {last user message}</c> with usage 5 input and 3 output tokens, whole, or when the request says
/// <c>"stream": true</c> as server-sent events in the API's order (<c>message_start</c>, <c>content_block_start</c>, a
/// <c>ping</c>, one <c>content_block_delta</c> per word, <c>content_block_stop</c>, <c>message_delta</c> with the stop
/// reason and output tokens, <c>message_stop</c>). A request without a key (an <c>x-api-key</c> header or a bearer
/// token), or with another key than
/// <see cref="RequireKey"/> when that is set, gets the API's 401 error. Faults queued with <see cref="Enqueue"/> answer the
/// next requests, one each, in order: an HTTP status with the API's error body for it (<c>rate_limit_error</c>,
/// <c>overloaded_error</c>, <c>api_error</c> …) and an optional <c>Retry-After</c> header in whole seconds, or, for a
/// streamed answer, an in-stream <c>event: error</c> after some pieces (<see cref="ChatFault.ErrorEventAfterPieces"/>). It
/// records every request it receives.
/// </summary>
public sealed class AnthropicProtocolServer : LoopbackProtocolServer
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<ChatFault> _faults = new();

    /// <summary>Gets or sets the only key accepted; <see langword="null"/> to accept any.</summary>
    public string? RequireKey { get; set; }

    /// <summary>Gets when each request to <c>/v1/messages</c> arrived, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> RequestTimes { get; } = new();

    /// <summary>
    /// Queues faults: each answers one request with its <see cref="ChatFault.Status"/> and <see cref="ChatFault.RetryAfter"/>,
    /// or interrupts its stream with <see cref="ChatFault.ErrorEventAfterPieces"/> and <see cref="ChatFault.ErrorEventType"/>
    /// (the other fields are not used).
    /// </summary>
    /// <param name="faults">The faults, in the order of the requests they answer.</param>
    public void Enqueue(params ChatFault[] faults)
    {
        foreach (ChatFault fault in faults)
        {
            _faults.Enqueue(fault);
        }
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(string path, JsonNode body, System.Collections.Specialized.NameValueCollection headers, HttpListenerResponse response)
    {
        if (path != "/v1/messages")
        {
            await WriteAsync(response, "application/json", Error("not_found_error", "Not found."), 404);
            return;
        }

        RequestTimes.Enqueue(DateTimeOffset.UtcNow);

        // The API takes the key as x-api-key or as a bearer token (which is how the official .NET package sends it).
        string? key = headers["x-api-key"] ?? (headers["Authorization"] is { } authorization && authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : null);
        if (string.IsNullOrEmpty(key) || (RequireKey is not null && key != RequireKey))
        {
            await WriteAsync(response, "application/json", Error("authentication_error", "invalid x-api-key"), 401);
            return;
        }

        _faults.TryDequeue(out ChatFault? fault);
        if (fault?.Status is int status)
        {
            if (fault.RetryAfter is TimeSpan wait)
            {
                response.Headers["Retry-After"] = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            string type = status switch
            {
                429 => "rate_limit_error",
                529 => "overloaded_error",
                >= 500 => "api_error",
                _ => "invalid_request_error",
            };
            await WriteAsync(response, "application/json", Error(type, $"Injected fault {status}."), status);
            return;
        }

        string model = body["model"]?.GetValue<string>() ?? string.Empty;
        string question = body["messages"]!.AsArray().Last()!["content"] switch
        {
            JsonValue text => text.GetValue<string>(),
            JsonArray blocks => string.Concat(blocks.Select(b => b!["text"]?.GetValue<string>())),
            _ => string.Empty,
        };
        string answer = "You asked: " + question;
        if (body["stream"]?.GetValue<bool>() != true)
        {
            JsonObject message = Message(model, [new JsonObject { ["type"] = "text", ["text"] = answer }], "end_turn", 3);
            await WriteAsync(response, "application/json", message.ToJsonString());
            return;
        }

        var events = new List<string>
        {
            Event("message_start", new JsonObject { ["type"] = "message_start", ["message"] = Message(model, [], null, 1) }),
            Event("content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = 0,
                ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = string.Empty },
            }),
            Event("ping", new JsonObject { ["type"] = "ping" }),
        };
        string[] words = answer.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            if (fault?.ErrorEventAfterPieces == i)
            {
                // The API reports a failure after the response has started as an error event, and the stream ends.
                events.Add($"event: error\ndata: {Error(fault.ErrorEventType, $"Injected {fault.ErrorEventType} mid-stream.")}\n\n");
                await WriteStreamAsync(response, "text/event-stream", events);
                return;
            }

            events.Add(Event("content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta",
                ["index"] = 0,
                ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = i == 0 ? words[i] : " " + words[i] },
            }));
        }

        events.Add(Event("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 }));
        events.Add(Event("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = 3 },
        }));
        events.Add(Event("message_stop", new JsonObject { ["type"] = "message_stop" }));
        await WriteStreamAsync(response, "text/event-stream", events);
    }

    private static string Event(string name, JsonObject data) => $"event: {name}\ndata: {data.ToJsonString()}\n\n";

    private static JsonObject Message(string model, JsonArray content, string? stopReason, int outputTokens) => new()
    {
        ["id"] = "msg_01",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = model,
        ["content"] = content,
        ["stop_reason"] = stopReason,
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = 5, ["output_tokens"] = outputTokens },
    };

    private static string Error(string type, string message) =>
        new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }.ToJsonString();
}
