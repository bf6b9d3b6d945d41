using System.Net;

namespace Llm.Stack.Anthropic;

/// <summary>
/// A transient answer of the Messages API (408, 429, 5xx, or a transient in-stream <c>error</c> event, under the status the
/// API gives its type): its status is <see cref="HttpRequestException.StatusCode"/>, and <see cref="RetryAfter"/> is the
/// wait the server asked for, which Llm.Stack's resilience layer honours (it reads a <c>RetryAfter</c> property of this
/// type on any exception).
/// </summary>
internal sealed class AnthropicTransientHttpException(string message, HttpStatusCode statusCode, TimeSpan? retryAfter, Exception? innerException = null)
    : HttpRequestException(HttpRequestError.Unknown, message, innerException, statusCode)
{
    /// <summary>Gets the wait the server asked for; <see langword="null"/> when it asked for none.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
