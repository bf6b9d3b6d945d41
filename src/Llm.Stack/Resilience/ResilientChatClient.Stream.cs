using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
    /// Its own enumerator, with no compiler-built iterator (as <see cref="ChatUpdateRelay"/>): a step whose inner step
    /// completed at once allocates nothing, and one that waits runs on a pooled state machine; the pipeline's result is the
    /// stream itself, so no attempt result is boxed. It behaves as the iterator it replaces: nothing runs before the first
    /// <see cref="MoveNextAsync"/>; the inner stream and the attempt's timer are released at the end, on a fault, or when
    /// the caller disposes early; a second enumeration starts over. Not thread-safe, as any enumerator.
    /// </remarks>
    private sealed class ResilientStream(ResilientChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken callToken)
        : IAsyncEnumerable<ChatResponseUpdate>, IAsyncEnumerator<ChatResponseUpdate>
    {
        private CancellationToken _token;
        private CancellationTokenSource? _linkedTokens;
        private IList<ChatMessage>? _history;
        private int _estimate;
        private IAsyncEnumerator<ChatResponseUpdate>? _stream;
        private AttemptTimer? _attempt;
        private bool _any;
        private StreamProgress _progress;
        private int _claimed;
        private Stage _stage;

        private enum Stage : byte
        {
            NotStarted,
            Running,
            Ended,
        }

        public ChatResponseUpdate Current { get; private set; } = null!;

        public IAsyncEnumerator<ChatResponseUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            ResilientStream stream = Interlocked.Exchange(ref _claimed, 1) == 0 ? this : new ResilientStream(client, messages, options, callToken) { _claimed = 1 };
            stream._token = ChatUpdateRelay.LinkTokens(out stream._linkedTokens, callToken, cancellationToken);
            return stream;
        }

        public ValueTask<bool> MoveNextAsync()
        {
            if (_stage != Stage.Running)
            {
                return _stage == Stage.Ended ? new ValueTask<bool>(false) : OpenAsync();
            }

            ValueTask<bool> step;
            try
            {
                step = _stream!.MoveNextAsync();
            }
            catch (Exception e)
            {
                return EndAsync(Cut(e));
            }

            return step.IsCompletedSuccessfully ? AfterStep(step.Result) : AfterStepLaterAsync(step);
        }

        public ValueTask DisposeAsync()
        {
            if (_stage != Stage.Running)
            {
                _stage = Stage.Ended;
                ReleaseTokens();
                return default;
            }

            // The caller stops reading early: the inner stream and the timer are released, nothing more is checked.
            ValueTask<bool> end = EndAsync(null);
            return end.IsCompletedSuccessfully ? default : new ValueTask(end.AsTask());
        }

        /// <summary>The first step: the attempts, through the pipeline, until one has its first update.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> OpenAsync()
        {
            _stage = Stage.Running;
            try
            {
                ArgumentNullException.ThrowIfNull(messages);
                _history = messages as IList<ChatMessage> ?? [.. messages];
                _estimate = client._limits?.CountsTokens == true ? EstimateTokens(_history, options) : 0;
                _ = await client._pipeline.ExecuteAsync(static (stream, token) => stream.AttemptAsync(token), this, _token).ConfigureAwait(false);
            }
            catch
            {
                // No attempt left a stream open: there is nothing to release but the linked tokens.
                _stage = Stage.Ended;
                ReleaseTokens();
                throw;
            }

            if (!_any)
            {
                return await EndAsync(null).ConfigureAwait(false);
            }

            return await AfterStep(true).ConfigureAwait(false);
        }

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

                _stream = enumerator;
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

        /// <summary>The rest of a step whose inner step has completed: the update is noted and passed on, or the stream ends.</summary>
        private ValueTask<bool> AfterStep(bool more)
        {
            if (!more)
            {
                return Finish();
            }

            ChatResponseUpdate update = _stream!.Current;
            _progress.Note(update);
            Current = update;
            return new ValueTask<bool>(true);
        }

        /// <summary>A step whose inner step completes later (or failed), on a pooled state machine.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> AfterStepLaterAsync(ValueTask<bool> step)
        {
            bool more;
            try
            {
                more = await step.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                return await EndAsync(Cut(e)).ConfigureAwait(false);
            }

            return await AfterStep(more).ConfigureAwait(false);
        }

        /// <summary>The inner stream has ended: without a finish reason it was cut (when one is required); else the tokens are charged.</summary>
        private ValueTask<bool> Finish()
        {
            if (!_progress.Finished && client._requireFinishReason)
            {
                return EndAsync(new IncompleteChatStreamException(_progress.Updates));
            }

            try
            {
                client._limits?.Charge(_estimate, _progress.Usage);
            }
            catch (Exception e)
            {
                return EndAsync(e);
            }

            return EndAsync(null);
        }

        /// <summary>A fault after output has started: a transient one is reported as a cut stream, any other passed on as it is.</summary>
        private Exception Cut(Exception e) =>
            TransientFaults.IsTransient(e, _token) ? new IncompleteChatStreamException(_progress.Updates, e) : e;

        /// <summary>Releases the inner stream and the attempt's timer, then throws <paramref name="fault"/> when there is one.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> EndAsync(Exception? fault)
        {
            IAsyncEnumerator<ChatResponseUpdate>? stream = _stream;
            AttemptTimer? attempt = _attempt;
            _stream = null;
            _attempt = null;
            _stage = Stage.Ended;
            Current = null!;
            try
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                attempt?.Dispose();
                ReleaseTokens();
            }

            if (fault is not null)
            {
                ExceptionDispatchInfo.Throw(fault);
            }

            return false;
        }

        private void ReleaseTokens()
        {
            _linkedTokens?.Dispose();
            _linkedTokens = null;
        }
    }
}
