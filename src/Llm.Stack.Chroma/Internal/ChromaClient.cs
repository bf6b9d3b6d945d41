using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Chroma;

/// <summary>
/// The HTTP side of the store: requests to Chroma's API v2 with the auth header, transient-error retries, and server
/// errors turned into <see cref="VectorStoreException"/>s that name the endpoint.
/// </summary>
/// <remarks>Thread-safe: it holds no per-request state.</remarks>
internal sealed class ChromaClient
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Func<HttpClient> _httpClient;
    private readonly Uri _baseAddress;
    private readonly ChromaVectorStoreOptions _options;
    private int _maxBatchSize;

    public ChromaClient(Func<HttpClient> httpClient, Uri endpoint, ChromaVectorStoreOptions options)
    {
        _httpClient = httpClient;
        _options = options;
        string root = endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        _baseAddress = new Uri(root.EndsWith('/') ? root : root + "/");
        Endpoint = _baseAddress.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped).TrimEnd('/');
        DatabasePath = $"api/v2/tenants/{Uri.EscapeDataString(options.Tenant)}/databases/{Uri.EscapeDataString(options.Database)}";
    }

    /// <summary>Gets the server as error messages name it: scheme, host, port and path, never credentials or the token.</summary>
    public string Endpoint { get; }

    /// <summary>Gets the path of the store's database, relative to the endpoint.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Sends a request and returns the parsed reply, or <see langword="null"/> for 404 when <paramref name="notFoundIsNull"/>;
    /// transient failures are retried (<see cref="ChromaVectorStoreOptions.MaxRetries"/>).
    /// </summary>
    /// <exception cref="VectorStoreException">The server answered with an error, or did not answer after the retries; the message names the endpoint.</exception>
    public async Task<JsonDocument?> SendAsync(
        HttpMethod method, string path, Action<Utf8JsonWriter>? body, string? collection, string operation, CancellationToken cancellationToken, bool notFoundIsNull = false)
    {
        ReadOnlyMemory<byte> content = ReadOnlyMemory<byte>.Empty;
        if (body is not null)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                body(writer);
            }

            content = buffer.WrittenMemory;
        }

        TimeSpan delay = _options.RetryDelay;
        for (int attempt = 0; ; attempt++)
        {
            bool last = attempt >= _options.MaxRetries;
            using var request = new HttpRequestMessage(method, new Uri(_baseAddress, path));
            if (body is not null)
            {
                request.Content = new ReadOnlyMemoryContent(content);
                request.Content.Headers.ContentType = Json;
            }

            if (_options.AuthToken is string token)
            {
                if (string.Equals(_options.AuthHeader, "Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
                else
                {
                    _ = request.Headers.TryAddWithoutValidation(_options.AuthHeader, token);
                }
            }

            HttpResponseMessage response;
            try
            {
                response = await _httpClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                if (last)
                {
                    throw Error(collection, operation, e is TaskCanceledException ? "the server did not answer in time" : $"the server cannot be reached ({e.Message})", e);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay *= 2;
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    try
                    {
                        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                        await using (stream.ConfigureAwait(false))
                        {
                            return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested && !last)
                    {
                        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                        delay *= 2;
                        continue;
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or JsonException && !cancellationToken.IsCancellationRequested)
                    {
                        throw Error(collection, operation, $"the reply could not be read ({e.Message})", e);
                    }
                }

                if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull)
                {
                    return null;
                }

                // 500 too: Chroma answers a query that races the first write of a collection's HNSW segment with an internal
                // error ("Error creating hnsw segment reader"); every request of the store is safe to repeat.
                bool transient = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                    or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
                if (transient && !last)
                {
                    TimeSpan wait = response.Headers.RetryAfter?.Delta ?? delay;
                    await Task.Delay(wait < TimeSpan.FromMinutes(1) ? wait : TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
                    delay *= 2;
                    continue;
                }

                string reply = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                (string? kind, string message) = ParseError(reply);
                if (response.StatusCode == HttpStatusCode.NotFound && collection is not null)
                {
                    throw Error(collection, operation, $"the collection does not exist; call EnsureCollectionExistsAsync first ({message})", null);
                }

                throw Error(collection, operation, $"HTTP {(int)response.StatusCode}{(kind is null ? string.Empty : " " + kind)}: {message}", null);
            }
        }
    }

    /// <summary>Gets the most records one request may carry: the smaller of the option and the server's <c>max_batch_size</c> (asked once).</summary>
    public async ValueTask<int> MaxBatchSizeAsync(CancellationToken cancellationToken)
    {
        int known = Volatile.Read(ref _maxBatchSize);
        if (known > 0)
        {
            return known;
        }

        int size = _options.MaxBatchSize;
        using (JsonDocument? checks = await SendAsync(HttpMethod.Get, "api/v2/pre-flight-checks", null, null, "PreFlightChecks", cancellationToken, notFoundIsNull: true).ConfigureAwait(false))
        {
            if (checks is not null && checks.RootElement.TryGetProperty("max_batch_size", out JsonElement max) && max.TryGetInt32(out int server) && server > 0)
            {
                size = Math.Min(size, server);
            }
        }

        Volatile.Write(ref _maxBatchSize, size);
        return size;
    }

    /// <summary>A <see cref="VectorStoreException"/> naming the endpoint, tenant and database, and the collection and operation when given.</summary>
    public VectorStoreException Error(string? collection, string operation, string problem, Exception? inner)
    {
        string subject = collection is null ? string.Empty : $"collection '{collection}': ";
        return new VectorStoreException($"Chroma at {Endpoint} (tenant '{_options.Tenant}', database '{_options.Database}'): {subject}{operation} failed: {problem}", inner)
        {
            VectorStoreSystemName = ChromaVectorStore.SystemName,
            VectorStoreName = _options.Database,
            CollectionName = collection,
            OperationName = operation,
        };
    }

    private static (string? Kind, string Message) ParseError(string reply)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(reply);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                string? kind = document.RootElement.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                string? message = document.RootElement.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                return (kind, message ?? reply);
            }
        }
        catch (JsonException)
        {
        }

        return (null, reply.Length > 500 ? reply[..500] + "…" : reply);
    }
}
