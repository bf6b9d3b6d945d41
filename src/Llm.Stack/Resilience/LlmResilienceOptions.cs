using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Options of <see cref="ResilientChatClient"/> and <see cref="ResilientEmbeddingGenerator"/> (<c>UseLlmResilience</c>): retries with exponential backoff and jitter on
/// transient faults (HTTP 408, 429 and 5xx, connection failures, timeouts), honouring the server's <c>Retry-After</c>;
/// a per-attempt timeout; a circuit breaker; client-side rate limits by requests and tokens per minute; and a check that
/// a streamed answer really ended.
/// </summary>
/// <remarks>Read once, when the client is built; do not change an instance after that. Not thread-safe to mutate.</remarks>
public sealed class LlmResilienceOptions
{
    /// <summary>Gets or sets how many times a call that failed with a transient fault is tried again.</summary>
    /// <value>From 0 to 100. The default value is 3.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above 100.</exception>
    public int MaxRetries { get; set => field = OptionRange.Check(value, 0, 100); } = 3;

    /// <summary>Gets or sets the wait before the first retry; each further retry waits about twice as long (with jitter).</summary>
    /// <value>The default value is 1 second. A server's <c>Retry-After</c> (or <c>retry-after-ms</c>) replaces it when present.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan BaseDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait between two attempts, a server's <c>Retry-After</c> included.</summary>
    /// <value>The default value is 60 seconds. A <c>Retry-After</c> longer than this fails the call at once instead of waiting.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan MaxDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how long one attempt may take: the whole answer for <c>GetResponseAsync</c>, and the time to the
    /// first update for <c>GetStreamingResponseAsync</c> (once output has started, the stream is never cut or retried).
    /// An attempt past it is cancelled and counts as a transient fault. Time a request spends waiting in the wrapped
    /// client's own queue (the local <c>OnnxChatClient</c> generates one answer at a time; see <see cref="ChatQueueWait"/>)
    /// and waiting for the rate limits is not counted.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no limit per attempt.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan? AttemptTimeout
    {
        get;
        set
        {
            if (value is { } timeout)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(value));
            }

            field = value;
        }
    }

    /// <summary>
    /// Gets or sets the share of failed attempts, within <see cref="CircuitBreakerSamplingDuration"/>, that opens the
    /// circuit: while it is open, calls fail at once with Polly's <c>BrokenCircuitException</c> for
    /// <see cref="CircuitBreakerBreakDuration"/>, then one trial call decides whether it closes.
    /// </summary>
    /// <value>Above 0 and at most 1. The default value is 0.5.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not above 0 or is above 1.</exception>
    public double CircuitBreakerFailureRatio
    {
        get;
        set
        {
            if (!(value > 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The failure ratio must be above 0 and at most 1.");
            }

            field = value;
        }
    } = 0.5;

    /// <summary>Gets or sets how many attempts the sampling window must hold before the circuit can open.</summary>
    /// <value>At least 2. The default value is 10.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 2.</exception>
    public int CircuitBreakerMinimumThroughput { get; set => field = OptionRange.Check(value, 2); } = 10;

    /// <summary>Gets or sets the window over which the failure ratio is measured.</summary>
    /// <value>At least 0.5 seconds. The default value is 30 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 0.5 seconds.</exception>
    public TimeSpan CircuitBreakerSamplingDuration
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(500));
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the circuit stays open before a trial call.</summary>
    /// <value>At least 0.5 seconds. The default value is 15 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 0.5 seconds.</exception>
    public TimeSpan CircuitBreakerBreakDuration
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(500));
            field = value;
        }
    } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets whether the circuit breaker is used.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseCircuitBreaker { get; set; } = true;

    /// <summary>
    /// Gets or sets how many requests per minute may be sent, counting every attempt: a token bucket that holds a
    /// minute's requests and refills continuously. A call past the limit waits (its attempt timeout not yet running)
    /// until the bucket allows it, or until the caller cancels.
    /// </summary>
    /// <value>At least 1, or <see langword="null"/> for no limit. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int? RequestsPerMinute { get; set => field = OptionRange.Check(value, 1); }

    /// <summary>
    /// Gets or sets how many tokens (prompt plus answer) per minute may be used: a token bucket that holds a minute's
    /// tokens and refills continuously. Before each attempt the bucket is charged an estimate (the prompt's characters
    /// divided by 4, plus <see cref="ChatOptions.MaxOutputTokens"/> when set) and the attempt waits until the bucket holds
    /// it; once the answer reports its usage (<see cref="UsageDetails"/>), the estimate is replaced by the tokens really
    /// used, so a long answer makes the next calls wait and an unused reservation is given back.
    /// </summary>
    /// <value>At least 1, or <see langword="null"/> for no limit. The default value is <see langword="null"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int? TokensPerMinute { get; set => field = OptionRange.Check(value, 1); }

    /// <summary>
    /// Gets or sets whether a streamed answer must end with an update that carries a
    /// <see cref="ChatResponseUpdate.FinishReason"/>. A stream that ends without one was cut (a dropped connection, a proxy
    /// that closed it; the OpenAI protocol's last chunk carries <c>finish_reason</c>) and would otherwise look like a
    /// complete, short answer: before any update reached the caller it is retried like any transient fault, after that
    /// the stream ends with an <see cref="IncompleteChatStreamException"/>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="true"/>. Set it to <see langword="false"/> only for a client that never reports
    /// a finish reason (the official OpenAI client and the local ONNX client report one).
    /// </value>
    public bool RequireFinishReason { get; set; } = true;
}
