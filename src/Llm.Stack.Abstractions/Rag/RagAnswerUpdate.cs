namespace Llm.Stack;

/// <summary>One update of a streamed retrieval-augmented answer.</summary>
/// <remarks>
/// A stream yields, in order: one update with <see cref="Sources"/> (before any text), updates with
/// <see cref="Text"/> deltas, and a last update with the <see cref="Answer"/>. Instances are immutable.
/// </remarks>
public sealed class RagAnswerUpdate
{
    /// <summary>Gets the next piece of answer text, or <see langword="null"/>.</summary>
    /// <remarks>Citation markers that match no source are removed from the stream before they are yielded.</remarks>
    public string? Text { get; init; }

    /// <summary>Gets the numbered sources the answer may cite, on the first update; otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<RetrievedChunk>? Sources { get; init; }

    /// <summary>Gets the complete answer with its citations and usage, on the last update; otherwise <see langword="null"/>.</summary>
    public RagAnswer? Answer { get; init; }
}
