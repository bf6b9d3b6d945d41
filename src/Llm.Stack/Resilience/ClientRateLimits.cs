using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// The client-side rate limits of <see cref="LlmResilienceOptions"/>: a bucket of requests per minute and one of tokens
/// per minute. Each attempt waits for one request and its estimated tokens; once the answer reports its usage, the
/// estimate is replaced by the tokens really used. Thread-safe.
/// </summary>
internal sealed class ClientRateLimits : IDisposable
{
    private readonly TokenBucket? _requests;
    private readonly TokenBucket? _tokens;

    private ClientRateLimits(TokenBucket? requests, TokenBucket? tokens)
    {
        _requests = requests;
        _tokens = tokens;
    }

    /// <summary>Gets a value indicating whether the tokens are limited, so that a call's tokens must be estimated.</summary>
    public bool CountsTokens => _tokens is not null;

    /// <summary>The limits of <paramref name="options"/>, or <see langword="null"/> when it sets none.</summary>
    public static ClientRateLimits? Create(LlmResilienceOptions options, TimeProvider time) =>
        options.RequestsPerMinute is null && options.TokensPerMinute is null
            ? null
            : new ClientRateLimits(
                options.RequestsPerMinute is int requests ? new TokenBucket(requests, time) : null,
                options.TokensPerMinute is int tokens ? new TokenBucket(tokens, time) : null);

    /// <summary>Waits until one more request and <paramref name="estimate"/> tokens are allowed, and takes them.</summary>
    public async ValueTask WaitAsync(int estimate, CancellationToken cancellationToken)
    {
        if (_requests is not null)
        {
            await _requests.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        }

        if (_tokens is not null)
        {
            await _tokens.AcquireAsync(estimate, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Replaces the estimate charged to the token bucket with the tokens the call really used, when it reports them.</summary>
    public void Charge(int estimate, UsageDetails? usage)
    {
        if (_tokens is not null && usage is not null
            && (usage.TotalTokenCount ?? (usage.InputTokenCount + (usage.OutputTokenCount ?? 0))) is long used)
        {
            _tokens.Adjust(used - estimate);
        }
    }

    /// <summary>Estimates tokens from characters: one token per four, at least one.</summary>
    public static int EstimateTokens(long characters, long more = 0) =>
        (int)Math.Clamp(((characters + 3) / 4) + more, 1, int.MaxValue);

    /// <inheritdoc />
    public void Dispose()
    {
        _requests?.Dispose();
        _tokens?.Dispose();
    }
}
