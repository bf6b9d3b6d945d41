namespace Llm.Stack;

/// <summary>One class's precision, recall and F1 in an <see cref="EmbeddingClassifierReport"/>.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record EmbeddingClassScores
{
    /// <summary>Gets the class label.</summary>
    public required string Label { get; init; }

    /// <summary>Gets the number of examples of the class.</summary>
    public required int Support { get; init; }

    /// <summary>Gets the share of the texts predicted as the class that belong to it (0 when none was predicted).</summary>
    public required double Precision { get; init; }

    /// <summary>Gets the share of the class's texts predicted as the class.</summary>
    public required double Recall { get; init; }

    /// <summary>Gets the harmonic mean of <see cref="Precision"/> and <see cref="Recall"/> (0 when both are 0).</summary>
    public required double F1 { get; init; }
}
