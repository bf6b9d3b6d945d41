using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Llm.Stack;

/// <summary>
/// A chat client that retries transient faults of the client it wraps (HTTP 408, 429 and 5xx, connection failures,
/// timeouts) with exponential backoff and jitter, waiting as long as the server's <c>Retry-After</c> asks; limits each
/// attempt's time; opens a circuit after repeated failures; keeps to client-side rate limits (requests and tokens per
/// minute, token buckets); and never lets a cut stream pass for a complete answer. Built on Polly
/// (<see cref="ResiliencePipeline"/>). Add it with <c>ChatClientBuilder.UseLlmResilience()</c>.
/// </summary>
/// <remarks>
/// <para>
/// A streamed answer is retried only until its first update arrives: once output has reached the caller, a fault is
/// passed on as an <see cref="IncompleteChatStreamException"/> (the fault is its inner exception) and nothing is sent
/// twice. A stream that ends without a finish reason was cut: before the first update it is retried, after it the
/// stream ends with an <see cref="IncompleteChatStreamException"/> (see <see cref="LlmResilienceOptions.RequireFinishReason"/>).
/// Cancellation by the caller is never retried.
/// </para>
/// <para>
/// Give the wrapped client's own retries 0, or both layers retry and the attempts multiply: for the official OpenAI
/// client, <c>OpenAIClientOptions.RetryPolicy = new ClientRetryPolicy(0)</c>. The chat model that
/// <c>services.AddLlmStack(configuration)</c> creates from <c>LlmStack:Chat</c> with a remote provider already has this
/// layer (a local one, <c>onnx</c>, only when its section sets <c>Resilience</c>), and the <c>openai</c> provider creates
/// its client with no retries of its own.
/// </para>
/// <para>Thread-safe: one instance serves concurrent calls, which share the circuit and the rate limits.</para>
/// </remarks>
public sealed partial class ResilientChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan? _attemptTimeout;
    private readonly bool _requireFinishReason;
    private readonly ClientRateLimits? _limits;
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
        _requireFinishReason = options.RequireFinishReason;
        _limits = ClientRateLimits.Create(options, time);
        _pipeline = ResiliencePipelines.Build(options, time, _logger, "Chat");
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValueTask<Task<ChatResponse>> attempts;
        try
        {
            ArgumentNullException.ThrowIfNull(messages);
            IList<ChatMessage> history = messages as IList<ChatMessage> ?? [.. messages];
            int estimate = _limits?.CountsTokens == true ? EstimateTokens(history, options) : 0;
            attempts = _pipeline.ExecuteAsync(
                static (call, token) => call.Client.AttemptAsync(call.History, call.Options, call.Estimate, token),
                (Client: this, History: history, Options: options, Estimate: estimate),
                cancellationToken);
        }
        catch (Exception e)
        {
            return CompletedCall.Faulted<ChatResponse>(e);
        }

        // The answering attempt's own task, already completed when every step was: this layer adds no task of its own.
        return attempts.IsCompletedSuccessfully ? attempts.Result : AnswerAsync(attempts);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        new ResilientStream(this, messages, options, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _limits?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Estimates a request's tokens for the token-per-minute bucket: the prompt's characters / 4, plus the answer's maximum when set.</summary>
    internal static int EstimateTokens(IList<ChatMessage> messages, ChatOptions? options)
    {
        long characters = options?.Instructions?.Length ?? 0;
        foreach (ChatMessage message in messages)
        {
            foreach (AIContent content in message.Contents)
            {
                if (content is TextContent text)
                {
                    characters += text.Text.Length;
                }
            }
        }

        return ClientRateLimits.EstimateTokens(characters, options?.MaxOutputTokens ?? 0);
    }

    /// <summary>The answer once the attempts have completed later.</summary>
    private static async Task<ChatResponse> AnswerAsync(ValueTask<Task<ChatResponse>> attempts) =>
        await (await attempts.ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>
    /// One attempt of a whole answer; its result is the inner client's task, completed (a fault of the attempt is thrown
    /// here, for the pipeline to see). Without an attempt timeout there is nothing to time (nor a queue wait to leave
    /// out), so no timer is made.
    /// </summary>
    private async ValueTask<Task<ChatResponse>> AttemptAsync(IList<ChatMessage> history, ChatOptions? options, int estimate, CancellationToken token)
    {
        if (_limits is not null)
        {
            await _limits.WaitAsync(estimate, token).ConfigureAwait(false);
        }

        using AttemptTimer? attempt = AttemptTimer.Start(_attemptTimeout, token);
        try
        {
            Task<ChatResponse> call;
            ChatResponse response;
            using (attempt?.ObserveQueue())
            {
                call = InnerClient.GetResponseAsync(history, options, attempt?.Token ?? token);
                response = await call.ConfigureAwait(false);
            }

            _limits?.Charge(estimate, response.Usage);
            return call;
        }
        catch (OperationCanceledException e) when (attempt?.TimedOut(token) == true)
        {
            throw ResiliencePipelines.AttemptTimedOut(e);
        }
    }

    /// <summary>What a stream has delivered so far: its updates, whether one carried a finish reason, its usage (a field of the stream, updated in place).</summary>
    private struct StreamProgress
    {
        public int Updates { get; private set; }

        public bool Finished { get; private set; }

        public UsageDetails? Usage { get; private set; }

        public void Note(ChatResponseUpdate update)
        {
            Updates++;
            Finished |= update.FinishReason is not null;
            IList<AIContent> contents = update.Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is UsageContent usage)
                {
                    Usage = usage.Details;
                }
            }
        }
    }
}
