using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

// The streamed call.
public sealed partial class ResilientChatClient
{
    /// <summary>
    /// One streamed call: each attempt (through the pipeline) opens the inner stream and waits for its first update; from
    /// then on output has reached the caller, so a fault is passed on, never retried, and a stream that ends without a
    /// finish reason is reported (<see cref="IncompleteChatStreamException"/>), not taken for a short answer.
    /// </summary>
    /// <remarks>
    /// A <see cref="ChatUpdateRelay"/> (its enumerator contract, with no compiler-built iterator) whose first step is the
    /// attempts: the answering attempt hands its stepped stream over (<see cref="ChatUpdateRelay.Adopt"/>), and the
    /// pipeline's result is the stream itself, so no attempt result is boxed. The inner stream and the attempt's timer are
    /// released at the end, on a fault, or when the caller disposes early. Not thread-safe, as any enumerator.
    /// </remarks>
    private sealed class ResilientStream(ResilientChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken callToken)
        : ChatUpdateRelay(callToken)
    {
        private IList<ChatMessage>? _history;
        private int _estimate;
        private AttemptTimer? _attempt;
        private bool _any;
        private StreamProgress _progress;

        /// <summary>The first step: the attempts, through the pipeline, until one has its first update.</summary>
        protected override ValueTask<bool> OpenAsync(CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(messages);
            _history = messages as IList<ChatMessage> ?? [.. messages];
            _estimate = client._limits?.CountsTokens == true ? EstimateTokens(_history, options) : 0;
            ValueTask<ResilientStream> attempts = client._pipeline.ExecuteAsync(static (stream, token) => stream.AttemptAsync(token), this, cancellationToken);
            return attempts.IsCompletedSuccessfully ? new ValueTask<bool>(attempts.Result._any) : AnsweredAsync(attempts);
        }

        protected override void OnUpdate(ChatResponseUpdate update) => _progress.Note(update);

        /// <summary>A fault after output has started: a transient one is reported as a cut stream; any other, and any before output (the pipeline's own), passed on as it is.</summary>
        protected override Exception OnFault(Exception fault) =>
            _progress.Updates > 0 && TransientFaults.IsTransient(fault, Token) ? new IncompleteChatStreamException(_progress.Updates, fault) : fault;

        /// <summary>The inner stream has ended: without a finish reason it was cut (when one is required); else the tokens are charged.</summary>
        protected override void OnCompleted()
        {
            if (!_progress.Finished && client._requireFinishReason)
            {
                throw new IncompleteChatStreamException(_progress.Updates);
            }

            client._limits?.Charge(_estimate, _progress.Usage);
        }

        protected override void OnEnd()
        {
            _attempt?.Dispose();
            _attempt = null;
        }

        protected override ChatUpdateRelay Restart() => new ResilientStream(client, messages, options, CallToken);

        /// <summary>The attempts' end when they complete later, on a pooled state machine.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private static async ValueTask<bool> AnsweredAsync(ValueTask<ResilientStream> attempts) => (await attempts.ConfigureAwait(false))._any;

        /// <summary>
        /// One attempt: opens the inner stream and waits for its first update; on success the stream keeps it (and the
        /// attempt's timer), on failure the attempt releases its own. Without an attempt timeout no timer is made.
        /// </summary>
        private async ValueTask<ResilientStream> AttemptAsync(CancellationToken token)
        {
            if (client._limits is not null)
            {
                await client._limits.WaitAsync(_estimate, token).ConfigureAwait(false);
            }

            AttemptTimer? attempt = AttemptTimer.Start(client._attemptTimeout, token);
            IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
            try
            {
                bool first;
                using (attempt?.ObserveQueue())
                {
                    CancellationToken attemptToken = attempt?.Token ?? token;
                    enumerator = client.InnerClient.GetStreamingResponseAsync(_history!, options, attemptToken).GetAsyncEnumerator(attemptToken);
                    first = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }

                attempt?.Stop();
                if (attempt?.TimedOut(token) == true)
                {
                    throw ResiliencePipelines.AttemptTimedOut(null);
                }

                if (!first && client._requireFinishReason)
                {
                    // An empty stream: cut before the first update (nothing reached the caller), so it may be retried.
                    throw new IncompleteChatStreamException(0);
                }

                Adopt(enumerator);
                _attempt = attempt;
                _any = first;
                return this;
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
    }
}
