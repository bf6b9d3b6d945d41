using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// A middleware layer's streamed answer: the inner client's updates passed on one by one, each shown to the layer
/// (<see cref="OnUpdate"/>), and the end of the stream shown to it (<see cref="OnEnd"/>), with no compiler-built async
/// iterator. The relay is its own enumerator: a step whose inner step completed at once allocates nothing, and one that
/// waits runs on a pooled state machine (<see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>), so a call allocates
/// this one small object and its updates allocate nothing. The usage ledger, the named models and the resilience layer
/// stream through it.
/// </summary>
/// <remarks>
/// <para>
/// It behaves as the iterator
/// <c>Begin(); try { await foreach (var u in Open(token)) { OnUpdate(u); yield return u; } } finally { OnEnd(); }</c>
/// with <c>[EnumeratorCancellation]</c> on its token (where <c>Open</c> is the stream <see cref="OpenAsync"/> opens, and
/// <see cref="OnCompleted"/> runs when it ends without a fault): nothing runs before the first
/// <see cref="MoveNextAsync"/>; an exception of <see cref="Begin"/> ends the stream
/// without <see cref="OnEnd"/>; every other fault — of opening, of a step (returned or thrown at once), of
/// <see cref="OnUpdate"/> or <see cref="OnCompleted"/>, a <see langword="null"/> update — ends in the task the step
/// returns, never thrown at once; the inner stream is disposed exactly once and <see cref="OnEnd"/> runs exactly once,
/// after it, at the end, on a fault, or when the caller disposes early; a fault of the disposal or of
/// <see cref="OnEnd"/> replaces the stream's; after the end a step returns <see langword="false"/> and a disposal does
/// nothing; a second enumeration starts over on a new relay (<see cref="Restart"/>); a token given to
/// <c>GetAsyncEnumerator</c> is linked with the call's, as the compiler links them.
/// </para>
/// <para>
/// Not thread-safe, as any enumerator: one caller moves it at a time, and awaits each step before the next. A call made
/// while a step or a disposal is still pending is refused and changes nothing: <see cref="DisposeAsync"/> throws a
/// <see cref="NotSupportedException"/> at once, as a compiler-built iterator's does; <see cref="MoveNextAsync"/> returns
/// it in its task (where an iterator's state would be corrupted).
/// </para>
/// </remarks>
internal abstract class ChatUpdateRelay : IAsyncEnumerable<ChatResponseUpdate>, IAsyncEnumerator<ChatResponseUpdate>
{
    private readonly CancellationToken _callToken;
    private CancellationToken _token;
    private CancellationTokenSource? _linkedTokens;
    private IAsyncEnumerator<ChatResponseUpdate>? _inner;
    private int _claimed;
    private Stage _stage;
    private bool _busy;

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

    /// <summary>Gets the token the stream runs under (the call's, linked with the enumerator's when both were given).</summary>
    protected CancellationToken Token => _token;

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
        if (_busy)
        {
            return ValueTask.FromException<bool>(Overlapping());
        }

        if (_stage == Stage.Ended)
        {
            return new ValueTask<bool>(false);
        }

        _busy = true;
        ValueTask<bool> step = Step();
        if (step.IsCompleted)
        {
            _busy = false;
        }

        return step;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_busy)
        {
            throw Overlapping();
        }

        if (_stage != Stage.Running)
        {
            _stage = Stage.Ended;
            ReleaseTokens();
            return default;
        }

        // The caller stops reading early: the inner stream is disposed and the layer sees the end.
        _busy = true;
        ValueTask<bool> end = EndAsync(null);
        if (end.IsCompletedSuccessfully)
        {
            _ = end.Result;
            return default;
        }

        return new ValueTask(end.AsTask());
    }

    /// <summary>Runs on the first <see cref="MoveNextAsync"/>, before <see cref="OpenAsync"/>; an exception ends the stream without <see cref="OnEnd"/>.</summary>
    protected virtual void Begin()
    {
    }

    /// <summary>
    /// Opens the inner stream and takes its first step: a layer that passes one stream on returns
    /// <see cref="FirstStep"/>; one that takes the first step itself (the resilience layer's attempts) hands over the
    /// stepped stream with <see cref="Adopt"/> and returns whether it has an update. A fault of either kind (thrown or
    /// returned) ends the stream after the inner stream, when there is one, is disposed.
    /// </summary>
    /// <param name="cancellationToken">The call's token, linked with the enumerator's when both were given.</param>
    /// <returns>Whether the inner stream has a first update (its <c>Current</c>).</returns>
    protected abstract ValueTask<bool> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Takes <paramref name="stream"/>'s enumerator (with no token of its own, as <c>await foreach</c> takes it) as the inner stream and moves it to its first update.</summary>
    /// <param name="stream">The inner stream.</param>
    /// <returns>Its first step.</returns>
    protected ValueTask<bool> FirstStep(IAsyncEnumerable<ChatResponseUpdate> stream)
    {
        _inner = stream.GetAsyncEnumerator();
        return _inner.MoveNextAsync();
    }

    /// <summary>Takes an enumerator that has already made its first step as the inner stream; from now on it is the relay's to dispose.</summary>
    /// <param name="stepped">The enumerator.</param>
    protected void Adopt(IAsyncEnumerator<ChatResponseUpdate> stepped) => _inner = stepped;

    /// <summary>Sees an update before it is passed on; an exception ends the stream with it.</summary>
    /// <param name="update">The update.</param>
    protected virtual void OnUpdate(ChatResponseUpdate update)
    {
    }

    /// <summary>Sees a fault of a step of the inner stream (the first included) and returns the exception the stream ends with; it must not throw.</summary>
    /// <param name="fault">The fault.</param>
    /// <returns>The exception to pass on.</returns>
    protected virtual Exception OnFault(Exception fault) => fault;

    /// <summary>Runs when the inner stream has ended without a fault, before it is disposed; an exception ends the stream with it.</summary>
    protected virtual void OnCompleted()
    {
    }

    /// <summary>Runs once the stream has ended, failed or been disposed early (after the inner stream is disposed), when it had begun.</summary>
    protected virtual void OnEnd()
    {
    }

    /// <summary>Returns a new relay of the same call, for a second enumeration.</summary>
    /// <returns>The new relay.</returns>
    protected abstract ChatUpdateRelay Restart();

    private static NotSupportedException Overlapping() =>
        new("The stream's previous MoveNextAsync or DisposeAsync has not completed: an async enumerator takes one call at a time, each awaited before the next.");

    /// <summary>One step, <see cref="Stage.Ended"/> excluded: the first opens the inner stream, the others move it.</summary>
    private ValueTask<bool> Step()
    {
        ValueTask<bool> step;
        if (_stage == Stage.NotStarted)
        {
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
                step = OpenAsync(_token);
            }
            catch (Exception e)
            {
                return EndAsync(OnFault(e));
            }
        }
        else
        {
            try
            {
                step = _inner!.MoveNextAsync();
            }
            catch (Exception e)
            {
                return EndAsync(OnFault(e));
            }
        }

        return step.IsCompletedSuccessfully ? AfterStep(step.Result) : AfterStepLaterAsync(step);
    }

    /// <summary>The rest of a step whose inner step has completed: the update is shown to the layer and passed on, or the stream ends.</summary>
    private ValueTask<bool> AfterStep(bool more)
    {
        try
        {
            if (!more)
            {
                OnCompleted();
                return EndAsync(null);
            }

            ChatResponseUpdate update = _inner!.Current ?? throw new InvalidOperationException("The inner chat client's stream gave a null update.");
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
        try
        {
            bool more;
            try
            {
                more = await step.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                return await EndAsync(OnFault(e)).ConfigureAwait(false);
            }

            return await AfterStep(more).ConfigureAwait(false);
        }
        finally
        {
            _busy = false;
        }
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
            _busy = false;
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
