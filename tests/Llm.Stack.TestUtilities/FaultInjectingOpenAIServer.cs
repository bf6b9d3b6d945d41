using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) that speaks the OpenAI chat-completions protocol (whole answers
/// and server-sent events) and injects the faults queued with <see cref="Enqueue"/>, one per request, in order: an
/// HTTP status with an OpenAI error body and an optional <c>Retry-After</c>, a delay before answering, a stream whose
/// connection drops after some pieces, or a stream that ends cleanly after some pieces without its finish. With no fault queued it answers <c>You asked: {last user message}</c>, streamed word by word.
/// Its usage is <see cref="PromptTokens"/> input tokens (of which <see cref="CachedTokens"/> cached) and one output token
/// per word of the answer (of which <see cref="ReasoningTokens"/> reasoning), in the completion and, when the request
/// asks for it (<c>stream_options.include_usage</c>), in a last chunk of the stream. It also speaks the embeddings
/// protocol, with the same queued faults (a status, a delay): each input is embedded as <c>[length, vowels, 1]</c>, and
/// the usage is one input token per word of the inputs. It records the time of every request.
/// </summary>
public sealed class FaultInjectingOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ChatFault> _faults = new();

    private FaultInjectingOpenAIServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Gets the OpenAI-compatible endpoint, such as <c>http://127.0.0.1:41234/v1/</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Gets or sets the input tokens every answer reports.</summary>
    /// <value>The default value is 5.</value>
    public int PromptTokens { get; set; } = 5;

    /// <summary>Gets or sets how many of the input tokens every answer reports as served from the prompt cache.</summary>
    /// <value>The default value is 0 (none reported).</value>
    public int CachedTokens { get; set; }

    /// <summary>Gets or sets how many of the output tokens every answer reports as reasoning tokens.</summary>
    /// <value>The default value is 0 (none reported).</value>
    public int ReasoningTokens { get; set; }

    /// <summary>Gets when each request (chat or embeddings) arrived, in order.</summary>
    public ConcurrentQueue<DateTimeOffset> Requests { get; } = new();

    /// <summary>Starts a server.</summary>
    public static async Task<FaultInjectingOpenAIServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        WebApplication app = builder.Build();
        var server = new FaultInjectingOpenAIServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/v1/embeddings", server.HandleEmbeddingsAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address + "/v1/");
        return server;
    }

    /// <summary>Queues faults for the next requests, one each, in order.</summary>
    public void Enqueue(params ChatFault[] faults)
    {
        foreach (ChatFault fault in faults)
        {
            _faults.Enqueue(fault);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleEmbeddingsAsync(HttpContext http)
    {
        Requests.Enqueue(DateTimeOffset.UtcNow);
        JsonNode body = (await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))!;
        _faults.TryDequeue(out ChatFault? fault);
        if (await FailOrDelayAsync(http, fault))
        {
            return;
        }

        // Usage: one token per word, so that tokens-per-minute limits see what the inputs hold.
        string[] inputs = OpenAIWire.EmbeddingInputs(body);
        int tokens = inputs.Sum(i => i.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(OpenAIWire.Embeddings(inputs, body["model"]?.GetValue<string>() ?? "", tokens));
    }

    /// <summary>Answers with the fault's status, or waits its delay; <see langword="true"/> when the response is done.</summary>
    private static async Task<bool> FailOrDelayAsync(HttpContext http, ChatFault? fault)
    {
        if (fault?.Status is int status)
        {
            http.Response.StatusCode = status;
            if (fault.RetryAfter is { } retryAfter)
            {
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync($$$"""{"error": {"message": "injected {{{status}}}", "type": "server_error", "param": null, "code": null}}""");
            return true;
        }

        if (fault?.Delay is { } delay)
        {
            try
            {
                await Task.Delay(delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private async Task HandleAsync(HttpContext http)
    {
        Requests.Enqueue(DateTimeOffset.UtcNow);
        JsonNode body = (await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))!;
        string model = body["model"]?.GetValue<string>() ?? "";
        string question = body["messages"]!.AsArray().Last()!["content"] switch
        {
            JsonValue text => text.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())),
            _ => "",
        };
        string[] words = ("You asked: " + question).Split(' ');
        bool stream = body["stream"]?.GetValue<bool>() == true;
        _faults.TryDequeue(out ChatFault? fault);

        if (await FailOrDelayAsync(http, fault))
        {
            return;
        }

        if (!stream)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(OpenAIWire.Completion(model, string.Join(' ', words), PromptTokens, words.Length, CachedTokens, ReasoningTokens));
            return;
        }

        http.Response.ContentType = "text/event-stream";
        for (int i = 0; i < words.Length; i++)
        {
            if (fault?.CutAfterPieces is int cut && i == cut)
            {
                if (fault.CutWhen is { } when)
                {
                    await when.WaitAsync(http.RequestAborted);
                }

                http.Abort(); // the connection drops mid-answer
                return;
            }

            if (fault?.EndAfterPieces is int end && i == end)
            {
                return; // the response ends cleanly, without finish_reason or [DONE]
            }

            await http.Response.WriteAsync("data: " + OpenAIWire.Chunk(model, i == 0 ? words[i] : " " + words[i], null) + "\n\n");
            await http.Response.Body.FlushAsync();
        }

        await http.Response.WriteAsync("data: " + OpenAIWire.Chunk(model, null, "stop") + "\n\n");
        if (body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            await http.Response.WriteAsync("data: " + OpenAIWire.UsageChunk(model, PromptTokens, words.Length, CachedTokens, ReasoningTokens) + "\n\n");
        }

        await http.Response.WriteAsync("data: [DONE]\n\n");
    }
}
