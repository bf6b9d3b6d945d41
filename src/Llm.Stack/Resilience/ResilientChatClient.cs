using System.Runtime.CompilerServices;
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
/// <c>services.AddLlmStack(configuration)</c> creates from <c>LlmStack:Chat</c> already has this layer, and the
/// <c>openai</c> provider creates its client with no retries of its own.
/// </para>
/// <para>Thread-safe: one instance serves concurrent calls, which share the circuit and the rate limits.</para>
/// </remarks>
public sealed class ResilientChatClient : DelegatingChatClient
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
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> history = messages as IList<ChatMessage> ?? [.. messages];
        int estimate = _limits?.CountsTokens == true ? EstimateTokens(history, options) : 0;
        return await _pipeline.ExecuteAsync(
            static (call, token) => call.Client.AttemptAsync(call.History, call.Options, call.Estimate, token),
            (Client: this, History: history, Options: options, Estimate: estimate),
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
        int estimate = _limits?.CountsTokens == true ? EstimateTokens(history, options) : 0;

        // Each attempt opens the stream and waits for its first update; only then has output started.
        (IAsyncEnumerator<ChatResponseUpdate> stream, AttemptTimer? streamAttempt, bool any) = await _pipeline.ExecuteAsync(
            static (call, token) => call.Client.OpenStreamAsync(call.History, call.Options, call.Estimate, token),
            (Client: this, History: history, Options: options, Estimate: estimate),
            cancellationToken).ConfigureAwait(false);

        try
        {
            if (!any)
            {
                yield break;
            }

            // From here on output has reached the caller: a fault is passed on, never retried, and a stream that ends
            // without a finish reason (cut by a dropped connection or a proxy) is reported, not taken for a short answer.
            var progress = new StreamProgress();
            progress.Note(stream.Current);
            yield return stream.Current;
            while (await MoveNextOrReportCutAsync(stream, progress.Updates, cancellationToken).ConfigureAwait(false))
            {
                progress.Note(stream.Current);
                yield return stream.Current;
            }

            if (!progress.Finished && _requireFinishReason)
            {
                throw new IncompleteChatStreamException(progress.Updates);
            }

            _limits?.Charge(estimate, progress.Usage);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            streamAttempt?.Dispose();
        }
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

    /// <summary>One attempt of a whole answer. Without an attempt timeout there is nothing to time (nor a queue wait to leave out), so no timer is made.</summary>
    private async ValueTask<ChatResponse> AttemptAsync(IList<ChatMessage> history, ChatOptions? options, int estimate, CancellationToken token)
    {
        if (_limits is not null)
        {
            await _limits.WaitAsync(estimate, token).ConfigureAwait(false);
        }

        using AttemptTimer? attempt = _attemptTimeout is null ? null : new AttemptTimer(_attemptTimeout, token);
        try
        {
            ChatResponse response;
            using (attempt?.ObserveQueue())
            {
                response = await InnerClient.GetResponseAsync(history, options, attempt?.Token ?? token).ConfigureAwait(false);
            }

            _limits?.Charge(estimate, response.Usage);
            return response;
        }
        catch (OperationCanceledException e) when (attempt?.TimedOut(token) == true)
        {
            throw ResiliencePipelines.AttemptTimedOut(e);
        }
    }

    /// <summary>One attempt of a stream: opens it and waits for its first update. Without an attempt timeout no timer is made.</summary>
    private async ValueTask<(IAsyncEnumerator<ChatResponseUpdate> Stream, AttemptTimer? Attempt, bool Any)> OpenStreamAsync(
        IList<ChatMessage> history, ChatOptions? options, int estimate, CancellationToken token)
    {
        if (_limits is not null)
        {
            await _limits.WaitAsync(estimate, token).ConfigureAwait(false);
        }

        AttemptTimer? attempt = _attemptTimeout is null ? null : new AttemptTimer(_attemptTimeout, token);
        IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
        try
        {
            bool first;
            using (attempt?.ObserveQueue())
            {
                CancellationToken attemptToken = attempt?.Token ?? token;
                enumerator = InnerClient.GetStreamingResponseAsync(history, options, attemptToken).GetAsyncEnumerator(attemptToken);
                first = await enumerator.MoveNextAsync().ConfigureAwait(false);
            }

            attempt?.Stop();
            if (attempt?.TimedOut(token) == true)
            {
                throw ResiliencePipelines.AttemptTimedOut(null);
            }

            if (!first && _requireFinishReason)
            {
                // An empty stream: cut before the first update (nothing reached the caller), so it may be retried.
                throw new IncompleteChatStreamException(0);
            }

            return (enumerator, attempt, first);
        }
        catch (Exception e)
        {
            bool timedOut = e is OperationCanceledException && attempt?.TimedOut(token) == true;
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            attempt?.Dispose();
            if (timedOut)
            {
                throw ResiliencePipelines.AttemptTimedOut(e);
            }

            throw;
        }
    }

    private static async ValueTask<bool> MoveNextOrReportCutAsync(IAsyncEnumerator<ChatResponseUpdate> stream, int updates, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (TransientFaults.IsTransient(e, cancellationToken))
        {
            throw new IncompleteChatStreamException(updates, e);
        }
    }

    /// <summary>What a stream has delivered so far: its updates, whether one carried a finish reason, its usage.</summary>
    private sealed class StreamProgress
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
