namespace Llm.Stack;

/// <summary>How well query embeddings find their relevant passages among all passages: hit@1, hit@3 and MRR@10.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record EmbeddingRetrievalScores
{
    /// <summary>Gets the number of queries scored.</summary>
    public required int Queries { get; init; }

    /// <summary>Gets the share of queries whose first result is relevant.</summary>
    public required double HitAt1 { get; init; }

    /// <summary>Gets the share of queries with a relevant passage among the first three results.</summary>
    public required double HitAt3 { get; init; }

    /// <summary>Gets the mean reciprocal rank of the first relevant passage within the first ten results (0 past ten).</summary>
    public required double MrrAt10 { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"hit@1 {HitAt1:F3}, hit@3 {HitAt3:F3}, MRR@10 {MrrAt10:F3} ({Queries} queries)");
}
