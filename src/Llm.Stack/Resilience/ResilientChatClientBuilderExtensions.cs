using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.AI;

/// <summary>Adds AI-aware resilience (<see cref="ResilientChatClient"/>) to a <see cref="ChatClientBuilder"/>.</summary>
public static class ResilientChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="ResilientChatClient"/>: transient faults (HTTP 408, 429 and 5xx, connection failures, timeouts)
    /// are retried with exponential backoff and jitter, honouring <c>Retry-After</c>; a streamed answer is never retried
    /// once its first update has reached the caller; optional per-attempt timeout and a circuit breaker (see
    /// <see cref="LlmResilienceOptions"/>).
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="configure">Configures the options; <see langword="null"/> for the defaults. The logger comes from the registered <see cref="ILoggerFactory"/>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Place it next to the provider (after routing or failover), so that each model is retried before another is tried.</remarks>
    /// <example>
    /// <code>
    /// IChatClient client = new ChatClientBuilder(model)
    ///     .UseLlmResilience(o => { o.MaxRetries = 5; o.AttemptTimeout = TimeSpan.FromSeconds(30); })
    ///     .Build();
    /// </code>
    /// </example>
    public static ChatClientBuilder UseLlmResilience(this ChatClientBuilder builder, Action<LlmResilienceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var options = new LlmResilienceOptions();
            configure?.Invoke(options);
            ILogger? logger = services.GetService<ILoggerFactory>()?.CreateLogger<ResilientChatClient>();
            return new ResilientChatClient(inner, options, logger, services.GetService<TimeProvider>());
        });
    }
}
