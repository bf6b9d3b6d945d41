using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>The answer of a retrieval-augmented generation pipeline, with its citations and usage.</summary>
/// <remarks>Instances are immutable after construction and safe to share across threads.</remarks>
public sealed class RagAnswer
{
    /// <summary>Initializes a new instance of the <see cref="RagAnswer"/> class.</summary>
    /// <param name="text">The answer text, with <c>[n]</c> citation markers.</param>
    /// <param name="citations">The sources cited by the markers in <paramref name="text"/>, by ascending marker.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> or <paramref name="citations"/> is <see langword="null"/>.</exception>
    public RagAnswer(string text, IReadOnlyList<RagCitation> citations)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(citations);
        Text = text;
        Citations = citations;
    }

    /// <summary>Gets the answer text, with <c>[n]</c> citation markers; unknown markers have been removed.</summary>
    public string Text { get; }

    /// <summary>Gets the sources cited by the markers in <see cref="Text"/>, by ascending marker.</summary>
    public IReadOnlyList<RagCitation> Citations { get; }

    /// <summary>Gets a value indicating whether the answer was extracted from the sources rather than generated.</summary>
    /// <value>
    /// <see langword="true"/> when no chat model was available: the answer is the best sentences of the best
    /// chunks, and <see cref="Text"/> starts with a label saying so.
    /// </value>
    public bool IsExtractive { get; init; }

    /// <summary>Gets the markers the model wrote that match no source; they were removed from <see cref="Text"/>.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<int> UnknownMarkers { get; init; } = [];

    /// <summary>Gets the query used for retrieval: the question, or its standalone rewrite in a conversation.</summary>
    /// <value>The default value is an empty string.</value>
    public string Query { get; init; } = string.Empty;

    /// <summary>Gets the chunks given to the model as numbered sources, source <c>[n]</c> at index <c>n - 1</c>.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<RetrievedChunk> Sources { get; init; } = [];

    /// <summary>Gets the token usage of all model calls made for the answer (rewrite and generation), when reported.</summary>
    public UsageDetails? Usage { get; init; }
}
