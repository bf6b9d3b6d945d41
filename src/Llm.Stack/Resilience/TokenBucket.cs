namespace Llm.Stack;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: holds at most <c>capacity</c> tokens, refills continuously at
/// <c>capacity</c> per minute, and lets a waiter through once it holds what the waiter asks for, first come first
/// served. Unlike <c>System.Threading.RateLimiting.TokenBucketRateLimiter</c>, it can be charged after the fact
/// (<see cref="Adjust"/>: an answer's real token usage replaces its estimate, which may leave the bucket in debt) and it
/// runs on the given clock, so tests can drive it. Thread-safe.
/// </summary>
internal sealed class TokenBucket : IDisposable
{
    private readonly double _capacity;
    private readonly double _perTick;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    public TokenBucket(int perMinute, TimeProvider time)
    {
        _capacity = perMinute;
        _time = time;
        _perTick = perMinute / (60.0 * time.TimestampFrequency);
        _tokens = perMinute;
        _last = time.GetTimestamp();
    }

    /// <summary>Waits until the bucket holds <paramref name="count"/> tokens (at most its capacity), then takes them.</summary>
    public async ValueTask AcquireAsync(double count, CancellationToken cancellationToken)
    {
        count = Math.Min(count, _capacity);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    Refill();
                    if (_tokens >= count)
                    {
                        _tokens -= count;
                        return;
                    }

                    wait = TimeSpan.FromSeconds(Math.Max((count - _tokens) / (_perTick * _time.TimestampFrequency), 0.001));
                }

                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Takes <paramref name="delta"/> more tokens (the bucket may go into debt), or gives back <c>-delta</c> (up to its capacity).</summary>
    public void Adjust(double delta)
    {
        lock (_lock)
        {
            Refill();
            _tokens = Math.Min(_capacity, _tokens - delta);
        }
    }

    public void Dispose() => _turn.Dispose();

    private void Refill()
    {
        long now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + ((now - _last) * _perTick));
        _last = now;
    }
}
