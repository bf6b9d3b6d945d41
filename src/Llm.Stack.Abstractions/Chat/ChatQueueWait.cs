namespace Llm.Stack;

/// <summary>
/// Lets a chat client that queues its requests (the local <c>OnnxChatClient</c> generates one answer at a time) tell
/// the middleware above it when a request is waiting in that queue, so that a per-attempt timeout
/// (<c>UseLlmResilience</c>'s <c>AttemptTimeout</c>) counts only the time the request is being served.
/// </summary>
/// <remarks>
/// The observer flows with the asynchronous call (an <see cref="AsyncLocal{T}"/>): a client that waits in a call made
/// from inside <see cref="Observe"/>'s scope reaches it, on whatever thread it runs, and no other call does. A client
/// calls <see cref="Begin"/> only when its request really has to wait. Thread-safe.
/// </remarks>
public static class ChatQueueWait
{
    private static readonly AsyncLocal<Observer?> Current = new();

    /// <summary>
    /// Marks that the current request starts waiting in the client's queue. Dispose the result as soon as the request
    /// leaves the queue, whether it got its turn or the wait failed.
    /// </summary>
    /// <returns>The end of the wait; disposing it twice has no further effect.</returns>
    public static IDisposable Begin()
    {
        Observer? observer = Current.Value;
        if (observer is null)
        {
            return Ended.Instance;
        }

        observer.WaitStarted();
        return new Wait(observer);
    }

    /// <summary>
    /// Observes the queue waits of the chat calls made from the current asynchronous flow, until the result is
    /// disposed (which restores the observer that was there before).
    /// </summary>
    /// <param name="waitStarted">Called when a request starts waiting in a client's queue.</param>
    /// <param name="waitEnded">Called when that request leaves the queue.</param>
    /// <returns>The scope of the observation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="waitStarted"/> or <paramref name="waitEnded"/> is <see langword="null"/>.</exception>
    public static IDisposable Observe(Action waitStarted, Action waitEnded)
    {
        ArgumentNullException.ThrowIfNull(waitStarted);
        ArgumentNullException.ThrowIfNull(waitEnded);
        var scope = new Scope(Current.Value);
        Current.Value = new Observer(waitStarted, waitEnded);
        return scope;
    }

    private sealed record Observer(Action WaitStarted, Action WaitEnded);

    private sealed class Scope(Observer? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }

    private sealed class Wait(Observer observer) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                observer.WaitEnded();
            }
        }
    }

    private sealed class Ended : IDisposable
    {
        public static readonly Ended Instance = new();

        public void Dispose()
        {
        }
    }
}
