using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>A prompt assembled by <see cref="PromptBudget.Assemble"/>: the messages to send and what was left out.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class PromptAssembly
{
    internal PromptAssembly(IReadOnlyList<ChatMessage> messages, IReadOnlyList<RetrievedChunk> chunks, int tokenCount)
    {
        Messages = messages;
        Chunks = chunks;
        TokenCount = tokenCount;
    }

    /// <summary>Gets the messages to send: system, examples, history, tool results, then the sources and the question.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>Gets the chunks given as sources, source <c>[n]</c> at index <c>n - 1</c> (most relevant first).</summary>
    public IReadOnlyList<RetrievedChunk> Chunks { get; }

    /// <summary>Gets the number of prompt tokens of <see cref="Messages"/>, as counted by the budget.</summary>
    public int TokenCount { get; }

    /// <summary>Gets the number of chunks left out for lack of space.</summary>
    public int DroppedChunks { get; init; }

    /// <summary>Gets a value indicating whether the last chunk kept was truncated to fit.</summary>
    public bool TruncatedChunk { get; init; }

    /// <summary>Gets the number of history messages left out (the oldest).</summary>
    public int DroppedHistoryMessages { get; init; }

    /// <summary>Gets the number of example messages left out.</summary>
    public int DroppedExampleMessages { get; init; }

    /// <summary>Gets the number of tool messages left out (the oldest).</summary>
    public int DroppedToolMessages { get; init; }

    /// <summary>Gets a value indicating whether the system prompt or the question had to be truncated.</summary>
    public bool TruncatedRequiredParts { get; init; }
}
