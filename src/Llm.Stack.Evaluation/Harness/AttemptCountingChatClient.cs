using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Counts the attempts of one harness call: it sits under the resilience layer, so each retry passes through it, and it
/// adds one to the counter the harness put in <see cref="Current"/> for the call (an async-local value, so concurrent
/// calls keep their own counts).
/// </summary>
internal sealed class AttemptCountingChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    /// <summary>Gets the counter of the call in progress on this async flow.</summary>
    public static AsyncLocal<StrongBox<int>?> Current { get; } = new();

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Count();
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Count();
        return base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    private static void Count()
    {
        if (Current.Value is { } counter)
        {
            Interlocked.Increment(ref counter.Value);
        }
    }
}
