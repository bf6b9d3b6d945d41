using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Llm.Stack;

/// <summary>
/// An embedding generator that retries transient faults of the generator it wraps (HTTP 408, 429 and 5xx, connection
/// failures, timeouts) with exponential backoff and jitter, honouring the server's <c>Retry-After</c>; limits each
/// attempt's time; opens a circuit after repeated failures; and keeps to client-side rate limits (requests and tokens per
/// minute, token buckets), as <see cref="ResilientChatClient"/> does for chat. Add it with
/// <c>EmbeddingGeneratorBuilder.UseLlmResilience()</c>.
/// </summary>
/// <remarks>
/// <para>
/// Each attempt waits for one request and the inputs' estimated tokens (their characters divided by 4); once the answer
/// reports its usage (<see cref="GeneratedEmbeddings{TEmbedding}.Usage"/>), the estimate is replaced by the tokens really
/// used. <see cref="LlmResilienceOptions.RequireFinishReason"/> does not apply. Cancellation by the caller is never retried.
/// </para>
/// <para>
/// Every embedding model that <c>services.AddLlmStack(configuration)</c> creates (<c>LlmStack:Embeddings</c>,
/// <c>LlmStack:EmbeddingModels:&lt;name&gt;</c>) from a provider that calls a service has this layer, set by its
/// <c>Resilience</c> keys; the <c>openai</c> provider then creates its client with no retries of its own, so that the
/// attempts do not multiply. A local model (<c>minilm</c>, <c>onnx</c>) has it only when its section sets <c>Resilience</c>
/// (see <see cref="EmbeddingModelSettings.Resilience"/>). Without <see cref="LlmResilienceOptions.AttemptTimeout"/> an attempt
/// runs on the caller's token, with no timer.
/// </para>
/// <para>Thread-safe: one instance serves concurrent calls, which share the circuit and the rate limits.</para>
/// </remarks>
public sealed class ResilientEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan? _attemptTimeout;
    private readonly ClientRateLimits? _limits;

    /// <summary>Initializes a new instance of the <see cref="ResilientEmbeddingGenerator"/> class.</summary>
    /// <param name="innerGenerator">The generator whose calls are made resilient.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs each retry (status, attempt, wait) and each change of the circuit; <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock of the waits; <see langword="null"/> for the system's.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerGenerator"/> is <see langword="null"/>.</exception>
    public ResilientEmbeddingGenerator(
        IEmbeddingGenerator<string, Embedding<float>> innerGenerator,
        LlmResilienceOptions? options = null,
        ILogger? logger = null,
        TimeProvider? timeProvider = null)
        : base(innerGenerator)
    {
        options ??= new LlmResilienceOptions();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        _attemptTimeout = options.AttemptTimeout;
        _limits = ClientRateLimits.Create(options, time);
        _pipeline = ResiliencePipelines.Build(options, time, logger ?? NullLogger.Instance, "Embedding");
    }

    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        IList<string> inputs = values as IList<string> ?? [.. values];
        int estimate = _limits?.CountsTokens == true ? EstimateTokens(inputs) : 0;
        return await _pipeline.ExecuteAsync(
            static (call, token) => call.Generator.AttemptAsync(call.Inputs, call.Options, call.Estimate, token),
            (Generator: this, Inputs: inputs, Options: options, Estimate: estimate),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _limits?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The inputs' estimated tokens for the token-per-minute bucket: their characters / 4.</summary>
    private static int EstimateTokens(IList<string> inputs)
    {
        long characters = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            characters += inputs[i]?.Length ?? 0;
        }

        return ClientRateLimits.EstimateTokens(characters);
    }

    /// <summary>One attempt. Without an attempt timeout no timer is made (<see cref="AttemptTimer.Start"/>): the call runs on the caller's token.</summary>
    private async ValueTask<GeneratedEmbeddings<Embedding<float>>> AttemptAsync(
        IList<string> inputs, EmbeddingGenerationOptions? options, int estimate, CancellationToken token)
    {
        if (_limits is not null)
        {
            await _limits.WaitAsync(estimate, token).ConfigureAwait(false);
        }

        using AttemptTimer? attempt = AttemptTimer.Start(_attemptTimeout, token);
        try
        {
            GeneratedEmbeddings<Embedding<float>> embeddings = await InnerGenerator.GenerateAsync(inputs, options, attempt?.Token ?? token).ConfigureAwait(false);
            _limits?.Charge(estimate, embeddings.Usage);
            return embeddings;
        }
        catch (OperationCanceledException e) when (attempt?.TimedOut(token) == true)
        {
            throw ResiliencePipelines.AttemptTimedOut(e);
        }
    }
}
