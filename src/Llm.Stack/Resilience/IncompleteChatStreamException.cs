namespace Llm.Stack;

/// <summary>
/// Thrown by <see cref="ResilientChatClient"/> (<c>UseLlmResilience</c>) when a streamed answer was cut: its stream
/// ended without a finish reason, or its connection failed, after part of the answer had reached the caller. The text
/// received so far is incomplete and must not be taken for the whole answer. (A stream cut before any update reached
/// the caller is retried instead, and surfaces only once the retries are spent.)
/// </summary>
public sealed class IncompleteChatStreamException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="IncompleteChatStreamException"/> class.</summary>
    /// <param name="updatesReceived">How many updates of the answer reached the caller before the cut.</param>
    /// <param name="innerException">The fault that cut the stream; <see langword="null"/> when the stream simply ended without a finish reason.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="updatesReceived"/> is negative.</exception>
    public IncompleteChatStreamException(int updatesReceived, Exception? innerException = null)
        : base(Describe(updatesReceived, innerException), innerException)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(updatesReceived);
        UpdatesReceived = updatesReceived;
    }

    /// <summary>Gets how many updates of the answer reached the caller before the cut (0 when none did).</summary>
    public int UpdatesReceived { get; }

    private static string Describe(int updates, Exception? inner) => inner is null
        ? $"The model's streamed answer ended without a finish reason after {updates} update(s): the stream was cut (a dropped connection or a proxy that closed it), so the answer is incomplete."
        : $"The model's streamed answer was cut after {updates} update(s) by a fault ({inner.GetType().Name}: {inner.Message}), so the answer is incomplete.";
}
