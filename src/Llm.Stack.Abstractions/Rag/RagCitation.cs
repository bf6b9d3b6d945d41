namespace Llm.Stack;

/// <summary>A source cited by a <see cref="RagAnswer"/>: the chunk behind one <c>[n]</c> marker.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class RagCitation
{
    /// <summary>Initializes a new instance of the <see cref="RagCitation"/> class.</summary>
    /// <param name="marker">The 1-based number used in the answer's <c>[n]</c> marker.</param>
    /// <param name="chunk">The cited chunk.</param>
    /// <param name="score">The relevance score the chunk was retrieved (or reranked) with.</param>
    /// <exception cref="ArgumentNullException"><paramref name="chunk"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="marker"/> is zero or negative.</exception>
    public RagCitation(int marker, DocumentChunk chunk, double score)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(marker);
        ArgumentNullException.ThrowIfNull(chunk);
        Marker = marker;
        Chunk = chunk;
        Score = score;
    }

    /// <summary>Gets the 1-based number used in the answer's <c>[n]</c> marker.</summary>
    public int Marker { get; }

    /// <summary>Gets the cited chunk.</summary>
    public DocumentChunk Chunk { get; }

    /// <summary>Gets the identifier of the cited chunk.</summary>
    public string ChunkId => Chunk.Id;

    /// <summary>Gets the identifier of the document the cited chunk comes from.</summary>
    public string DocumentId => Chunk.DocumentId;

    /// <summary>Gets where the document came from (a path or URI), when known.</summary>
    /// <value>The chunk's <c>source</c> metadata when present; otherwise <see langword="null"/>.</value>
    public string? Source { get; init; }

    /// <summary>Gets the 1-based page the cited chunk starts on, when the source has pages.</summary>
    public int? PageNumber => Chunk.PageNumber;

    /// <summary>Gets the section path of the cited chunk, headings joined by <c>" &gt; "</c>, or <see langword="null"/>.</summary>
    public string? Section => Chunk.SectionPath.Count == 0 ? null : string.Join(" > ", Chunk.SectionPath);

    /// <summary>Gets the relevance score the chunk was retrieved (or reranked) with.</summary>
    public double Score { get; }

    /// <summary>Gets the span of the chunk's text that supports the answer (the best matching sentence).</summary>
    /// <value>The default value is an empty string.</value>
    public string Quote { get; init; } = string.Empty;

    /// <summary>Gets the index in <see cref="DocumentChunk.Text"/> of the first character of <see cref="Quote"/>.</summary>
    public int QuoteStart { get; init; }
}
