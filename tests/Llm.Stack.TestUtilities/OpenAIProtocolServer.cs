using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// A real HTTP server on a free loopback port that speaks the OpenAI chat-completions and embeddings protocol: it answers
/// <c>You asked: {last user message}</c> (whole or streamed as server-sent events) and embeds each input as
/// <c>[length, vowels, 1]</c>. It records every request it receives.
/// </summary>
public sealed class OpenAIProtocolServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public OpenAIProtocolServer()
    {
        int port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<(string Path, string? Authorization, JsonNode Body)> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await HandleAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        JsonNode body = JsonNode.Parse(await reader.ReadToEndAsync()) ?? new JsonObject();
        string path = context.Request.Url!.AbsolutePath;
        Requests.Enqueue((path, context.Request.Headers["Authorization"], body));
        HttpListenerResponse response = context.Response;
        string model = body["model"]?.GetValue<string>() ?? "";

        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            string question = body["messages"]!.AsArray().Last()!["content"] switch
            {
                JsonValue text => text.GetValue<string>(),
                JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())),
                _ => "",
            };
            string answer = "You asked: " + question;
            if (body["stream"]?.GetValue<bool>() == true)
            {
                response.ContentType = "text/event-stream";
                var events = new StringBuilder();
                foreach (string piece in answer.Split(' '))
                {
                    events.Append("data: ").Append(Chunk(model, piece == answer.Split(' ')[0] ? piece : " " + piece, null)).Append("\n\n");
                }

                events.Append("data: ").Append(Chunk(model, null, "stop")).Append("\n\ndata: [DONE]\n\n");
                await WriteAsync(response, events.ToString());
                return;
            }

            response.ContentType = "application/json";
            await WriteAsync(response, new JsonObject
            {
                ["id"] = "chatcmpl-1",
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 5, ["completion_tokens"] = 3, ["total_tokens"] = 8 },
            }.ToJsonString());
            return;
        }

        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            JsonNode input = body["input"]!;
            string[] inputs = input is JsonArray array ? [.. array.Select(i => i!.GetValue<string>())] : [input.GetValue<string>()];
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

            response.ContentType = "application/json";
            await WriteAsync(response, new JsonObject
            {
                ["object"] = "list",
                ["data"] = data,
                ["model"] = model,
                ["usage"] = new JsonObject { ["prompt_tokens"] = 1, ["total_tokens"] = 1 },
            }.ToJsonString());
            return;
        }

        response.StatusCode = 404;
        await WriteAsync(response, "{\"error\":{\"message\":\"not found\"}}");
    }

    private static string Chunk(string model, string? content, string? finish) => new JsonObject
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

    private static async Task WriteAsync(HttpListenerResponse response, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
