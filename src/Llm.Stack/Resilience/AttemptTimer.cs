using System.Diagnostics;

namespace Llm.Stack;

/// <summary>
/// One attempt's cancellation: the caller's token, cancelled too once the attempt has run for its timeout. The time
/// the request spends waiting in the wrapped client's queue (reported through <see cref="ChatQueueWait"/>) is not
/// counted. Thread-safe: the queue callbacks may come from any thread.
/// </summary>
/// <remarks>
/// Make one with <see cref="Start"/>, which makes none without a timeout: the attempt then runs on the caller's token,
/// with no linked token source, no delegates and no queue observer on the call's path (every resilience layer keeps
/// to this rule: an attempt timer only with an attempt timeout).
/// </remarks>
internal sealed class AttemptTimer : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _timeout;
    private readonly Lock _lock = new();
    private long _runningSince;
    private TimeSpan _used;
    private int _waits;
    private bool _stopped;

    private AttemptTimer(TimeSpan timeout, CancellationToken callerToken)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        _timeout = timeout;
        _runningSince = Stopwatch.GetTimestamp();
        _source.CancelAfter(timeout);
    }

    /// <summary>
    /// Starts the timer of one attempt, or returns <see langword="null"/> when <paramref name="timeout"/> is
    /// <see langword="null"/>: without an attempt timeout there is nothing to time, nor a queue wait to leave out. Pass
    /// <c>timer?.Token ?? callerToken</c> to the wrapped client, and test <c>timer?.TimedOut(callerToken) == true</c>.
    /// </summary>
    public static AttemptTimer? Start(TimeSpan? timeout, CancellationToken callerToken) =>
        timeout is { } limit ? new AttemptTimer(limit, callerToken) : null;

    /// <summary>Gets the token to pass to the wrapped client.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether the attempt was cancelled by its timeout rather than by the caller.</summary>
    public bool TimedOut(CancellationToken callerToken) => _source.IsCancellationRequested && !callerToken.IsCancellationRequested;

    /// <summary>Pauses the clock while a call made inside the returned scope waits in its client's queue.</summary>
    public IDisposable ObserveQueue() => ChatQueueWait.Observe(Pause, Resume);

    /// <summary>Stops the clock for good (a stream's first update has arrived); the caller's token still applies.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            _source.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _source.Dispose();
    }

    private void Pause()
    {
        lock (_lock)
        {
            if (_stopped || _waits++ > 0)
            {
                return;
            }

            _used += Stopwatch.GetElapsedTime(_runningSince);
            _source.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private void Resume()
    {
        lock (_lock)
        {
            if (_stopped || --_waits > 0)
            {
                return;
            }

            _runningSince = Stopwatch.GetTimestamp();
            TimeSpan left = _timeout - _used;
            _source.CancelAfter(left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1));
        }
    }
}
