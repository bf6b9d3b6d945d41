using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// A middleware layer's streamed answer: the inner client's updates passed on one by one, each shown to the layer
/// (<see cref="OnUpdate"/>), and the end of the stream shown to it (<see cref="OnEnd"/>), with no compiler-built async
/// iterator. The relay is its own enumerator: a step whose inner step completed at once allocates nothing, and one that
/// waits runs on a pooled state machine (<see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>), so a call allocates
/// this one small object and its updates allocate nothing.
/// </summary>
/// <remarks>
/// <para>
/// It behaves as the iterator
/// <c>Begin(); try { await foreach (var u in Open(token)) { OnUpdate(u); yield return u; } } finally { OnEnd(); }</c>
/// with <c>[EnumeratorCancellation]</c> on its token: nothing runs before the first <see cref="MoveNextAsync"/>; an
/// exception of <see cref="Begin"/> ends the stream without <see cref="OnEnd"/>; the inner stream is disposed before
/// <see cref="OnEnd"/> runs, at its end, on its fault, or when the caller disposes early; a fault of the disposal or of
/// <see cref="OnEnd"/> replaces the stream's; a second enumeration starts over on a new relay (<see cref="Restart"/>); a
/// token given to <c>GetAsyncEnumerator</c> is linked with the call's, as the compiler links them.
/// </para>
/// <para>Not thread-safe, as any enumerator: one caller moves it at a time, and awaits each step before the next.</para>
/// </remarks>
internal abstract class ChatUpdateRelay : IAsyncEnumerable<ChatResponseUpdate>, IAsyncEnumerator<ChatResponseUpdate>
{
    private readonly CancellationToken _callToken;
    private CancellationToken _token;
    private CancellationTokenSource? _linkedTokens;
    private IAsyncEnumerator<ChatResponseUpdate>? _inner;
    private int _claimed;
    private Stage _stage;

    /// <summary>Initializes a new instance of the <see cref="ChatUpdateRelay"/> class.</summary>
    /// <param name="cancellationToken">The call's token, linked with the one <c>GetAsyncEnumerator</c> is given.</param>
    protected ChatUpdateRelay(CancellationToken cancellationToken) => _callToken = cancellationToken;

    private enum Stage : byte
    {
        NotStarted,
        Running,
        Ended,
    }

    /// <inheritdoc />
    public ChatResponseUpdate Current { get; private set; } = null!;

    /// <summary>Gets the call's token (for <see cref="Restart"/>).</summary>
    protected CancellationToken CallToken => _callToken;

    /// <inheritdoc />
    public IAsyncEnumerator<ChatResponseUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        ChatUpdateRelay relay = Interlocked.Exchange(ref _claimed, 1) == 0 ? this : Restart();
        relay._claimed = 1;
        relay._token = LinkTokens(out relay._linkedTokens, _callToken, cancellationToken);
        return relay;
    }

    /// <summary>
    /// The token a stream runs under, as a compiler-built iterator with <c>[EnumeratorCancellation]</c> has it: the call's
    /// token, the enumerator's, or both linked (<paramref name="linked"/>, to dispose when the stream ends) when both can be canceled and differ.
    /// </summary>
    /// <param name="linked">The linked source, or <see langword="null"/>.</param>
    /// <param name="callToken">The token the call was given.</param>
    /// <param name="enumeratorToken">The token <c>GetAsyncEnumerator</c> was given.</param>
    /// <returns>The token.</returns>
    internal static CancellationToken LinkTokens(out CancellationTokenSource? linked, CancellationToken callToken, CancellationToken enumeratorToken)
    {
        linked = null;
        if (!callToken.CanBeCanceled || enumeratorToken.Equals(callToken) || !enumeratorToken.CanBeCanceled)
        {
            return callToken.CanBeCanceled ? callToken : enumeratorToken;
        }

        linked = CancellationTokenSource.CreateLinkedTokenSource(callToken, enumeratorToken);
        return linked.Token;
    }

    /// <inheritdoc />
    public ValueTask<bool> MoveNextAsync()
    {
        if (_stage != Stage.Running)
        {
            if (_stage == Stage.Ended)
            {
                return new ValueTask<bool>(false);
            }

            _stage = Stage.Running;
            try
            {
                Begin();
            }
            catch (Exception e)
            {
                _stage = Stage.Ended;
                ReleaseTokens();
                return ValueTask.FromException<bool>(e);
            }

            try
            {
                _inner = Open(_token).GetAsyncEnumerator();
            }
            catch (Exception e)
            {
                return EndAsync(e);
            }
        }

        ValueTask<bool> step;
        try
        {
            step = _inner!.MoveNextAsync();
        }
        catch (Exception e)
        {
            return EndAsync(e);
        }

        return step.IsCompletedSuccessfully ? AfterStep(step.Result) : AfterStepLaterAsync(step);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_stage != Stage.Running)
        {
            _stage = Stage.Ended;
            ReleaseTokens();
            return default;
        }

        // The caller stops reading early: the inner stream is disposed and the layer sees the end.
        ValueTask<bool> end = EndAsync(null);
        return end.IsCompletedSuccessfully ? default : new ValueTask(end.AsTask());
    }

    /// <summary>Runs on the first <see cref="MoveNextAsync"/>, before the inner stream opens; an exception ends the stream without <see cref="OnEnd"/>.</summary>
    protected virtual void Begin()
    {
    }

    /// <summary>Opens the inner stream (its enumerator is taken with no token of its own, as <c>await foreach</c> takes it).</summary>
    /// <param name="cancellationToken">The call's token, linked with the enumerator's when both were given.</param>
    /// <returns>The inner stream.</returns>
    protected abstract IAsyncEnumerable<ChatResponseUpdate> Open(CancellationToken cancellationToken);

    /// <summary>Sees an update before it is passed on.</summary>
    /// <param name="update">The update.</param>
    protected virtual void OnUpdate(ChatResponseUpdate update)
    {
    }

    /// <summary>Runs once the stream has ended, failed or been disposed early (after the inner stream is disposed), when it had begun.</summary>
    protected virtual void OnEnd()
    {
    }

    /// <summary>Returns a new relay of the same call, for a second enumeration.</summary>
    /// <returns>The new relay.</returns>
    protected abstract ChatUpdateRelay Restart();

    /// <summary>The rest of a step whose inner step has completed: the update is shown to the layer and passed on, or the stream ends.</summary>
    private ValueTask<bool> AfterStep(bool more)
    {
        if (!more)
        {
            return EndAsync(null);
        }

        try
        {
            ChatResponseUpdate update = _inner!.Current;
            OnUpdate(update);
            Current = update;
        }
        catch (Exception e)
        {
            return EndAsync(e);
        }

        return new ValueTask<bool>(true);
    }

    /// <summary>A step whose inner step completes later (or failed): its state machine comes from a pool, so it allocates nothing once warm.</summary>
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
            return await EndAsync(e).ConfigureAwait(false);
        }

        return await AfterStep(more).ConfigureAwait(false);
    }

    /// <summary>Disposes the inner stream, shows the end to the layer, then throws <paramref name="fault"/> when there is one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> EndAsync(Exception? fault)
    {
        IAsyncEnumerator<ChatResponseUpdate>? inner = _inner;
        _inner = null;
        _stage = Stage.Ended;
        Current = null!;
        try
        {
            try
            {
                if (inner is not null)
                {
                    await inner.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                OnEnd();
            }
        }
        finally
        {
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
