using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Llm.Stack;

/// <summary>
/// The Polly pipeline of <see cref="ResilientChatClient"/> and <see cref="ResilientEmbeddingGenerator"/>: retries of
/// transient faults with exponential backoff and jitter, waiting as long as the server's <c>Retry-After</c> asks (a wait
/// beyond <see cref="LlmResilienceOptions.MaxDelay"/> fails at once), then the circuit breaker. Thread-safe once built.
/// </summary>
internal static partial class ResiliencePipelines
{
    /// <summary>Builds the pipeline of <paramref name="options"/>; <paramref name="kind"/> (<c>Chat</c>, <c>Embedding</c>) names the calls in the log.</summary>
    public static ResiliencePipeline Build(LlmResilienceOptions options, TimeProvider time, ILogger logger, string kind)
    {
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
                    Log.Retrying(logger, kind, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.GetType().Name ?? "none");
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
                    Log.CircuitOpened(logger, kind, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    Log.CircuitClosed(logger, kind);
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>The exception of an attempt cancelled by <see cref="LlmResilienceOptions.AttemptTimeout"/>, a transient fault.</summary>
    public static TimeoutException AttemptTimedOut(Exception? inner) =>
        new("The model did not answer within the attempt timeout (LlmResilienceOptions.AttemptTimeout).", inner);

    private static bool ShouldRetry(Exception e, TimeProvider time, TimeSpan maxDelay, CancellationToken token) =>
        TransientFaults.IsTransient(e, token) && !(TransientFaults.RetryAfter(e, time) > maxDelay);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Kind} call failed with a transient fault ({Fault}); attempt {Attempt} in {DelayMs} ms.")]
        public static partial void Retrying(ILogger logger, string kind, int attempt, double delayMs, string fault);

        [LoggerMessage(2, LogLevel.Warning, "{Kind} circuit opened for {Seconds} s after repeated transient faults.")]
        public static partial void CircuitOpened(ILogger logger, string kind, double seconds);

        [LoggerMessage(3, LogLevel.Information, "{Kind} circuit closed.")]
        public static partial void CircuitClosed(ILogger logger, string kind);
    }
}
