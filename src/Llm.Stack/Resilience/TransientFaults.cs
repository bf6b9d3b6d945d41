using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Reflection;

namespace Llm.Stack;

/// <summary>
/// Tells a transient fault (worth another attempt) from a permanent one, and reads the server's requested wait. It
/// understands <see cref="HttpRequestException"/> (a status code, or none when no response came), <see cref="TimeoutException"/>,
/// a cancellation the caller did not ask for (an <c>HttpClient</c> timeout), and the exceptions of the System.ClientModel
/// clients (the official OpenAI and Azure SDKs: a <c>Status</c> property and <c>GetRawResponse()</c> with its headers),
/// read by name so that the core needs no reference to them, and a <c>RetryAfter</c> property (<see cref="TimeSpan"/>?) on
/// any exception, by which a provider states the server's wait (the Anthropic provider's transient HTTP exception). Inner
/// exceptions are looked at too.
/// </summary>
internal static class TransientFaults
{
    private static readonly ConcurrentDictionary<Type, Accessors> AccessorsByType = new();

    /// <summary>Whether <paramref name="exception"/> is a transient fault: HTTP 408, 429 or 5xx, no response at all, a connection that failed (an <see cref="IOException"/>), or a timeout.</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OperationCanceledException when callerToken.IsCancellationRequested:
                    return false;
                case TimeoutException or OperationCanceledException:
                    return true;
                case IOException:
                    // A connection that failed while the answer was read (HttpIOException among them), or a stream
                    // that ended without a finish reason (IncompleteChatStreamException).
                    return true;
                case HttpRequestException http:
                    return http.StatusCode is not HttpStatusCode status || IsTransientStatus((int)status);
            }

            if (StatusOf(e) is int code)
            {
                // System.ClientModel reports 0 when no response came (the connection failed): look at the inner exception.
                if (code != 0)
                {
                    return IsTransientStatus(code);
                }
            }
        }

        return false;
    }

    /// <summary>The wait the server asked for (<c>retry-after-ms</c>, or <c>Retry-After</c> in seconds or as a date), if any.</summary>
    public static TimeSpan? RetryAfter(Exception exception, TimeProvider time)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            Accessors accessors = AccessorsByType.GetOrAdd(e.GetType(), Accessors.For);
            if (accessors.RetryAfter?.Invoke(e) is TimeSpan stated)
            {
                return stated > TimeSpan.Zero ? stated : TimeSpan.Zero;
            }

            if (accessors.Header is null)
            {
                continue;
            }

            if (accessors.Header(e, "retry-after-ms") is string milliseconds
                && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) && ms >= 0)
            {
                return TimeSpan.FromMilliseconds(ms);
            }

            if (accessors.Header(e, "Retry-After") is string value)
            {
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0)
                {
                    return TimeSpan.FromSeconds(seconds);
                }

                if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
                {
                    TimeSpan wait = date - time.GetUtcNow();
                    return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
                }
            }
        }

        return null;
    }

    private static bool IsTransientStatus(int status) => status is 408 or 429 or >= 500 and <= 599;

    private static int? StatusOf(Exception e) => AccessorsByType.GetOrAdd(e.GetType(), Accessors.For).Status?.Invoke(e);

    /// <summary>How to read a status code and response headers from an exception type, found once per type.</summary>
    private sealed class Accessors
    {
        public Func<Exception, int?>? Status { get; private init; }

        public Func<Exception, string, string?>? Header { get; private init; }

        /// <summary>Reads a <c>RetryAfter</c> property (<see cref="TimeSpan"/>?), by which an exception states the server's wait itself (the Anthropic provider's, Polly's rate limiter's).</summary>
        public Func<Exception, TimeSpan?>? RetryAfter { get; private init; }

        public static Accessors For(Type type)
        {
            PropertyInfo? retryAfter = type.GetProperty("RetryAfter", BindingFlags.Public | BindingFlags.Instance, null, typeof(TimeSpan?), Type.EmptyTypes, null);
            if (retryAfter is not null)
            {
                return new Accessors { RetryAfter = e => (TimeSpan?)retryAfter.GetValue(e) };
            }

            if (type == typeof(HttpRequestException) || !type.FullName!.StartsWith("System.ClientModel.", StringComparison.Ordinal))
            {
                return new Accessors();
            }

            PropertyInfo? status = type.GetProperty("Status", typeof(int));
            MethodInfo? rawResponse = type.GetMethod("GetRawResponse", Type.EmptyTypes);
            return new Accessors
            {
                Status = status is null ? null : e => (int)status.GetValue(e)!,
                Header = rawResponse is null ? null : (e, name) => ReadHeader(rawResponse.Invoke(e, null), name),
            };
        }

        private static string? ReadHeader(object? response, string name)
        {
            object? headers = response?.GetType().GetProperty("Headers")?.GetValue(response);
            MethodInfo? tryGetValue = headers?.GetType().GetMethod("TryGetValue", [typeof(string), typeof(string).MakeByRefType()]);
            if (tryGetValue is null)
            {
                return null;
            }

            object?[] arguments = [name, null];
            return tryGetValue.Invoke(headers, arguments) is true ? arguments[1] as string : null;
        }
    }
}
