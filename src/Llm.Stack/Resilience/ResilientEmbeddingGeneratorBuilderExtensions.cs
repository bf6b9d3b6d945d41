using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.AI;

/// <summary>Adds AI-aware resilience (<see cref="ResilientEmbeddingGenerator"/>) to an <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/>.</summary>
public static class ResilientEmbeddingGeneratorBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="ResilientEmbeddingGenerator"/>: transient faults (HTTP 408, 429 and 5xx, connection failures,
    /// timeouts) are retried with exponential backoff and jitter, honouring <c>Retry-After</c>; optional per-attempt
    /// timeout, circuit breaker, and client-side rate limits by requests and tokens per minute (see <see cref="LlmResilienceOptions"/>).
    /// </summary>
    /// <param name="builder">The embedding generator builder.</param>
    /// <param name="configure">Configures the options; <see langword="null"/> for the defaults. The logger comes from the registered <see cref="ILoggerFactory"/>, the clock from the registered <see cref="TimeProvider"/>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Place it next to the provider. Give the wrapped client's own retries 0, or both layers retry.</remarks>
    /// <example>
    /// <code>
    /// IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt; embedder = new EmbeddingGeneratorBuilder&lt;string, Embedding&lt;float&gt;&gt;(remote)
    ///     .UseLlmResilience(o => { o.RequestsPerMinute = 3000; o.TokensPerMinute = 1_000_000; })
    ///     .Build();
    /// </code>
    /// </example>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> UseLlmResilience(
        this EmbeddingGeneratorBuilder<string, Embedding<float>> builder, Action<LlmResilienceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var options = new LlmResilienceOptions();
            configure?.Invoke(options);
            ILogger? logger = services.GetService<ILoggerFactory>()?.CreateLogger<ResilientEmbeddingGenerator>();
            return new ResilientEmbeddingGenerator(inner, options, logger, services.GetService<TimeProvider>());
        });
    }
}
