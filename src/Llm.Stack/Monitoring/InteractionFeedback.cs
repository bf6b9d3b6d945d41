namespace Llm.Stack;

/// <summary>
/// A person's judgement of one interaction: a rating, labels, a better answer, and which retrieved chunks were relevant.
/// Recorded with <see cref="InteractionLog.RecordFeedbackAsync"/>.
/// </summary>
/// <remarks>Validated when recorded; an instance may be recorded for several interactions.</remarks>
public sealed class InteractionFeedback
{
    /// <summary>The lowest <see cref="Rating"/>.</summary>
    public const int MinRating = 1;

    /// <summary>The highest <see cref="Rating"/>.</summary>
    public const int MaxRating = 5;

    /// <summary>Gets or sets the rating, from <see cref="MinRating"/> (wrong or harmful) to <see cref="MaxRating"/> (right and complete).</summary>
    /// <value>The default value is <see langword="null"/>: not rated. A thumbs-up is 5 and a thumbs-down 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to 5.</exception>
    public int? Rating
    {
        get;
        set
        {
            if (value is < MinRating or > MaxRating)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"A rating is from {MinRating} to {MaxRating}.");
            }

            field = value;
        }
    }

    /// <summary>Gets or sets labels the person attached, such as <c>correct</c>, <c>hallucination</c> or <c>outdated</c>.</summary>
    public IReadOnlyList<string> Labels { get; set; } = [];

    /// <summary>Gets or sets the answer the person would have wanted; <see langword="null"/> for none.</summary>
    public string? CorrectedAnswer { get; set; }

    /// <summary>Gets or sets the ids of the chunks judged relevant to the question.</summary>
    public IReadOnlyList<string> RelevantChunkIds { get; set; } = [];

    /// <summary>Gets or sets the ids of the chunks judged irrelevant to the question.</summary>
    public IReadOnlyList<string> IrrelevantChunkIds { get; set; } = [];

    /// <summary>Gets or sets a free-text comment; <see langword="null"/> for none.</summary>
    public string? Comment { get; set; }

    /// <summary>Gets or sets who gave the feedback; <see langword="null"/> when not known.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets or sets when the feedback was given.</summary>
    /// <value>The default value is <see langword="default"/>: the time it is recorded.</value>
    public DateTimeOffset Timestamp { get; set; }
}
