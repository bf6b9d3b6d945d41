using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Server;

/// <summary>
/// What every request to the endpoints goes through: CORS, the API key (or loopback only), the concurrency bound,
/// the time limit, the body limit and media type, the mapping of failures to OpenAI-shaped errors without
/// internals, and one log line with the status and duration.
/// </summary>
/// <remarks>Thread-safe: one instance serves all requests of the mapped endpoints.</remarks>
internal sealed partial class OpenAIRequestGuard
{
    private readonly ServerSettings _options;
    private readonly byte[]? _apiKeyHash;
    private int _running;
    private readonly ILogger _logger;

    public OpenAIRequestGuard(ServerSettings options, ILogger logger)
    {
        _options = options;
        _apiKeyHash = string.IsNullOrWhiteSpace(options.ApiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.ApiKey));
        _logger = logger;
    }

    public long MaxRequestBodySize => _options.MaxRequestBodySize;

    /// <summary>Runs <paramref name="handler"/> for one request under the guard's rules.</summary>
    public async Task RunAsync(HttpContext http, Func<HttpContext, CancellationToken, Task> handler)
    {
        long started = Stopwatch.GetTimestamp();
        bool holdsSlot = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        try
        {
            ApplyCors(http);
            CheckAccess(http);
            holdsSlot = Interlocked.Increment(ref _running) <= _options.MaxConcurrentRequests;
            if (!holdsSlot)
            {
                Interlocked.Decrement(ref _running);
                http.Response.Headers.RetryAfter = "1";
                throw new OpenAIError(429, $"The server is answering {_options.MaxConcurrentRequests} requests already; retry shortly.", code: "rate_limit_exceeded", type: "rate_limit_error");
            }

            timeout.CancelAfter(_options.RequestTimeout);
            await handler(http, timeout.Token).ConfigureAwait(false);
        }
        catch (OpenAIError e)
        {
            LogRefused(_logger, http.Request.Method, http.Request.Path, e.Status, e.Message);
            await TryWriteErrorAsync(http, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
        {
            LogTimedOut(_logger, http.Request.Method, http.Request.Path, _options.RequestTimeout.TotalSeconds);
            await TryWriteErrorAsync(http, new OpenAIError(504, $"The answer took longer than the server's limit of {_options.RequestTimeout.TotalSeconds:0.###} seconds.", code: "timeout", type: "server_error")).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits, such as a body larger than allowed that was sent without a length.
            var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge()
                : new OpenAIError(e.StatusCode, "The request could not be read.");
            LogRefused(_logger, http.Request.Method, http.Request.Path, error.Status, error.Message);
            await TryWriteErrorAsync(http, error).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogFailed(_logger, e, http.Request.Method, http.Request.Path);
            await TryWriteErrorAsync(http, new OpenAIError(500, "The server failed to answer the request; its log has the details.", type: "server_error")).ConfigureAwait(false);
        }
        finally
        {
            if (holdsSlot)
            {
                Interlocked.Decrement(ref _running);
            }

            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogRequest(_logger, http.Request.Method, http.Request.Path, http.Response.StatusCode, elapsed);
        }
    }

    /// <summary>Reads the request body as JSON: 415 for another media type, 413 past the size limit, 400 for malformed JSON.</summary>
    public async Task<JsonDocument> ReadJsonAsync(HttpContext http, CancellationToken cancellationToken)
    {
        string? contentType = http.Request.ContentType;
        if (contentType is null || !IsJson(contentType))
        {
            throw new OpenAIError(415, $"The request body must be JSON (Content-Type: application/json), not '{contentType ?? "none"}'.", code: "unsupported_media_type");
        }

        if (http.Request.ContentLength > _options.MaxRequestBodySize)
        {
            throw TooLarge();
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxRequestBodySize;
        }

        try
        {
            return await JsonDocument.ParseAsync(http.Request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw OpenAIError.Invalid($"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
    }

    /// <summary>Writes an OpenAI-shaped error body, unless the response has started (then the stream is ended).</summary>
    public static async Task TryWriteErrorAsync(HttpContext http, OpenAIError error)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ErrorJson(error), http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    public static byte[] ErrorJson(OpenAIError error)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ChatCompletionsEndpoint.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", error.Message);
            json.WriteString("type", error.Type);
            WriteStringOrNull(json, "param", error.Param);
            WriteStringOrNull(json, "code", error.Code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private OpenAIError TooLarge() =>
        new(413, $"The request body is larger than the server's limit of {_options.MaxRequestBodySize} bytes.", code: "request_too_large");

    private static bool IsJson(string contentType)
    {
        string mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private void CheckAccess(HttpContext http)
    {
        if (_apiKeyHash is null)
        {
            IPAddress? local = http.Connection.LocalIpAddress;
            if (local is not null && !IPAddress.IsLoopback(local))
            {
                throw new OpenAIError(403, "This server answers only on the loopback address unless an API key is configured.", code: "api_key_required", type: "permission_error");
            }

            return;
        }

        string header = http.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        string given = header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? header[Bearer.Length..].Trim() : string.Empty;
        byte[] givenHash = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        if (!CryptographicOperations.FixedTimeEquals(givenHash, _apiKeyHash))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            throw new OpenAIError(401, "Incorrect or missing API key: send it as 'Authorization: Bearer <key>'.", code: "invalid_api_key", type: "invalid_request_error");
        }
    }

    private void ApplyCors(HttpContext http)
    {
        if (_options.AllowedOrigins.Count == 0 || http.Request.Headers.Origin.ToString() is not { Length: > 0 } origin)
        {
            return;
        }

        bool any = _options.AllowedOrigins.Contains("*");
        if (any || _options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            http.Response.Headers.AccessControlAllowOrigin = any ? "*" : origin;
            http.Response.Headers.Vary = "Origin";
        }
    }

    /// <summary>Answers a CORS preflight: the allowed methods and headers when the origin is allowed; otherwise no CORS headers.</summary>
    public Task PreflightAsync(HttpContext http)
    {
        ApplyCors(http);
        if (http.Response.Headers.AccessControlAllowOrigin.Count > 0)
        {
            http.Response.Headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
            http.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type";
            http.Response.Headers.AccessControlMaxAge = "600";
        }

        http.Response.StatusCode = StatusCodes.Status204NoContent;
        LogRequest(_logger, http.Request.Method, http.Request.Path, http.Response.StatusCode, 0);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} answered {Status} in {ElapsedMilliseconds:0.0} ms.")]
    private static partial void LogRequest(ILogger logger, string method, PathString path, int status, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Method} {Path} refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, int status, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Method} {Path} took longer than the limit of {Seconds} seconds and was cancelled.")]
    private static partial void LogTimedOut(ILogger logger, string method, PathString path, double seconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "{Method} {Path} failed.")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, PathString path);
}
