using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// A real HTTP server on a free loopback port (127.0.0.1) for protocol tests: it records every request (path, headers,
/// JSON body) and hands it to <see cref="HandleAsync"/>, which a protocol server (OpenAI, Ollama, Anthropic) implements.
/// </summary>
public abstract class LoopbackProtocolServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    /// <summary>Initializes a new instance of the <see cref="LoopbackProtocolServer"/> class and starts listening.</summary>
    protected LoopbackProtocolServer()
    {
        int port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Gets the server's root address, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the requests received, in order: path, <c>Authorization</c> header, body.</summary>
    public ConcurrentQueue<(string Path, string? Authorization, JsonNode Body)> Requests { get; } = new();

    /// <summary>Gets the headers of each request received, in order.</summary>
    public ConcurrentQueue<System.Collections.Specialized.NameValueCollection> Headers { get; } = new();

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        GC.SuppressFinalize(this);
    }

    /// <summary>Answers one request.</summary>
    /// <param name="path">The request's path.</param>
    /// <param name="body">The request's JSON body (an empty object when it had none).</param>
    /// <param name="headers">The request's headers.</param>
    /// <param name="response">The response to write and close.</param>
    /// <returns>A task that completes when the response is written.</returns>
    protected abstract Task HandleAsync(string path, JsonNode body, System.Collections.Specialized.NameValueCollection headers, HttpListenerResponse response);

    /// <summary>Answers one request, with its query string and method at hand; by default calls <see cref="HandleAsync(string, JsonNode, System.Collections.Specialized.NameValueCollection, HttpListenerResponse)"/>.</summary>
    /// <param name="request">The request (its body already read into <paramref name="body"/>).</param>
    /// <param name="body">The request's JSON body; for a <c>multipart/form-data</c> upload, an object of its fields, a file part as <c>{"filename": ..., "content": ...}</c>.</param>
    /// <param name="response">The response to write and close.</param>
    /// <returns>A task that completes when the response is written.</returns>
    protected virtual Task HandleAsync(HttpListenerRequest request, JsonNode body, HttpListenerResponse response) =>
        HandleAsync(request.Url!.AbsolutePath, body, request.Headers, response);

    /// <summary>Writes a whole body and closes the response.</summary>
    /// <param name="response">The response.</param>
    /// <param name="contentType">The content type.</param>
    /// <param name="text">The body.</param>
    /// <param name="status">The status code.</param>
    /// <returns>A task that completes when the body is written.</returns>
    protected static async Task WriteAsync(HttpListenerResponse response, string contentType, string text, int status = 200)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    /// <summary>Writes a body in parts, flushing each (a chunked transfer, as a streaming server sends it), and closes the response.</summary>
    /// <param name="response">The response.</param>
    /// <param name="contentType">The content type.</param>
    /// <param name="parts">The parts, in order.</param>
    /// <returns>A task that completes when every part is written.</returns>
    protected static async Task WriteStreamAsync(HttpListenerResponse response, string contentType, IEnumerable<string> parts)
    {
        response.ContentType = contentType;
        response.SendChunked = true;
        foreach (string part in parts)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(part);
            await response.OutputStream.WriteAsync(bytes);
            await response.OutputStream.FlushAsync();
        }

        response.Close();
    }

    /// <summary>Reads a <c>multipart/form-data</c> body (a file upload) into an object: each field as a string, each file as <c>{"filename": ..., "content": ...}</c> (UTF-8 text).</summary>
    private static async Task<JsonNode> ReadFormAsync(HttpListenerRequest request)
    {
        var form = new JsonObject();
        string boundary = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(
            Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, request.InputStream);
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            string name = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            using var text = new StreamReader(section.Body, Encoding.UTF8);
            string content = await text.ReadToEndAsync();
            form[name] = disposition.FileName.HasValue || disposition.FileNameStar.HasValue
                ? new JsonObject
                {
                    ["filename"] = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value,
                    ["content"] = content,
                }
                : content;
        }

        return form;
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
                JsonNode body;
                if (context.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
                {
                    body = await ReadFormAsync(context.Request);
                }
                else
                {
                    using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                    string text = await reader.ReadToEndAsync();
                    body = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
                }

                string path = context.Request.Url!.AbsolutePath;
                Requests.Enqueue((path, context.Request.Headers["Authorization"], body));
                Headers.Enqueue(context.Request.Headers);
                await HandleAsync(context.Request, body, context.Response);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
    }
}
