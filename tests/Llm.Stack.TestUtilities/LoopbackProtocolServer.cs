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
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                string text = await reader.ReadToEndAsync();
                JsonNode body = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
                string path = context.Request.Url!.AbsolutePath;
                Requests.Enqueue((path, context.Request.Headers["Authorization"], body));
                Headers.Enqueue(context.Request.Headers);
                await HandleAsync(path, body, context.Request.Headers, context.Response);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
    }
}
