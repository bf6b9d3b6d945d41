using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Llm.Stack;

/// <summary>
/// A chat client that retries transient faults of the client it wraps (HTTP 408, 429 and 5xx, connection failures,
/// timeouts) with exponential backoff and jitter, waiting as long as the server's <c>Retry-After</c> asks; limits each
/// attempt's time; and opens a circuit after repeated failures. Built on Polly
/// (<see cref="ResiliencePipeline"/>). Add it with <c>ChatClientBuilder.UseLlmResilience()</c>.
/// </summary>
/// <remarks>
/// <para>
/// A streamed answer is retried only until its first update arrives: once output has reached the caller, a fault is
/// passed on and nothing is sent twice. Cancellation by the caller is never retried.
/// </para>
/// <para>
/// Give the wrapped client's own retries 0 (for the official OpenAI client, <c>OpenAIClientOptions.RetryPolicy =
/// new ClientRetryPolicy(0)</c>), or both layers retry. Thread-safe: one instance serves concurrent calls, which share
/// the circuit.
/// </para>
/// </remarks>
public sealed partial class ResilientChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan? _attemptTimeout;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="ResilientChatClient"/> class.</summary>
    /// <param name="innerClient">The client whose calls are made resilient.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs each retry (status, attempt, wait) and each change of the circuit; <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock of the waits; <see langword="null"/> for the system's.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public ResilientChatClient(IChatClient innerClient, LlmResilienceOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
        : base(innerClient)
    {
        options ??= new LlmResilienceOptions();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _attemptTimeout = options.AttemptTimeout;
        TimeSpan maxDelay = options.MaxDelay;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ShouldRetry(e, time, maxDelay, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? TransientFaults.RetryAfter(e, time) : null),
                OnRetry = args =>
                {
                    Log.Retrying(_logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.GetType().Name ?? "none");
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (options.UseCircuitBreaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && TransientFaults.IsTransient(e, args.Context.CancellationToken)),
                OnOpened = args =>
                {
                    Log.CircuitOpened(_logger, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    Log.CircuitClosed(_logger);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.Build();
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> history = messages as IList<ChatMessage> ?? [.. messages];
        return await _pipeline.ExecuteAsync(
            async token =>
            {
                using CancellationTokenSource attempt = StartAttempt(token);
                try
                {
                    return await InnerClient.GetResponseAsync(history, options, attempt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (attempt.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    throw AttemptTimedOut(e);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> history = messages as IList<ChatMessage> ?? [.. messages];

        // Each attempt opens the stream and waits for its first update; only then has output started.
        (IAsyncEnumerator<ChatResponseUpdate> stream, CancellationTokenSource streamToken, bool any) = await _pipeline.ExecuteAsync(
            async token =>
            {
                CancellationTokenSource attempt = StartAttempt(token);
                IAsyncEnumerator<ChatResponseUpdate> enumerator = InnerClient.GetStreamingResponseAsync(history, options, attempt.Token).GetAsyncEnumerator(attempt.Token);
                try
                {
                    bool first = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    attempt.CancelAfter(Timeout.InfiniteTimeSpan);
                    if (attempt.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        throw AttemptTimedOut(null);
                    }

                    return (enumerator, attempt, first);
                }
                catch (Exception e)
                {
                    bool timedOut = e is OperationCanceledException && attempt.IsCancellationRequested && !token.IsCancellationRequested;
                    await enumerator.DisposeAsync().ConfigureAwait(false);
                    attempt.Dispose();
                    if (timedOut)
                    {
                        throw AttemptTimedOut(e);
                    }

                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);

        try
        {
            if (!any)
            {
                yield break;
            }

            yield return stream.Current;
            while (await stream.MoveNextAsync().ConfigureAwait(false))
            {
                yield return stream.Current;
            }
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            streamToken.Dispose();
        }
    }

    private static bool ShouldRetry(Exception e, TimeProvider time, TimeSpan maxDelay, CancellationToken token) =>
        TransientFaults.IsTransient(e, token) && !(TransientFaults.RetryAfter(e, time) > maxDelay);

    private static TimeoutException AttemptTimedOut(Exception? inner) =>
        new("The model did not answer within the attempt timeout (LlmResilienceOptions.AttemptTimeout).", inner);

    /// <summary>An attempt's token: the pipeline's (the caller's), cancelled too when the attempt's time is up.</summary>
    private CancellationTokenSource StartAttempt(CancellationToken token)
    {
        var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
        if (_attemptTimeout is { } timeout)
        {
            attempt.CancelAfter(timeout);
        }

        return attempt;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Chat call failed with a transient fault ({Fault}); attempt {Attempt} in {DelayMs} ms.")]
        public static partial void Retrying(ILogger logger, int attempt, double delayMs, string fault);

        [LoggerMessage(2, LogLevel.Warning, "Chat circuit opened for {Seconds} s after repeated transient faults.")]
        public static partial void CircuitOpened(ILogger logger, double seconds);

        [LoggerMessage(3, LogLevel.Information, "Chat circuit closed.")]
        public static partial void CircuitClosed(ILogger logger);
    }
}
