using System.Globalization;

namespace Llm.Stack.Anthropic;

/// <summary>
/// A handler in the official package's HTTP pipeline that turns a transient answer of the Messages API (408, 429, 5xx,
/// 529 overloaded among them) into an <see cref="AnthropicTransientHttpException"/>: an <see cref="HttpRequestException"/>
/// with the status code, the error body, and the wait the server asked for (<c>retry-after-ms</c> or <c>Retry-After</c>),
/// which Llm.Stack's resilience layer reads. The package's own retries are off (<c>MaxRetries = 0</c>), so that layer is
/// the only one. Other answers pass through, and the package reports them with its own exceptions. Thread-safe: it keeps
/// no state.
/// </summary>
internal sealed class TransientStatusHandler : DelegatingHandler
{
    /// <summary>The longest error body quoted in the exception's message.</summary>
    private const int MaxQuotedBody = 2000;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status is not (408 or 429 or >= 500 and <= 599))
        {
            return response;
        }

        using (response)
        {
            TimeSpan? retryAfter = RetryAfter(response);
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length > MaxQuotedBody)
            {
                body = body[..MaxQuotedBody] + "…";
            }

            throw new AnthropicTransientHttpException(
                $"The Anthropic Messages API answered {status} ({response.ReasonPhrase}): {body}",
                response.StatusCode,
                retryAfter);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out IEnumerable<string>? values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        return response.Headers.RetryAfter switch
        {
            { Delta: TimeSpan delta } => delta,
            { Date: DateTimeOffset date } => date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero,
            _ => null,
        };
    }
}
