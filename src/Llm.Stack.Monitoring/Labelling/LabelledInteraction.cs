namespace Llm.Stack.Monitoring;

/// <summary>
/// An interaction with a person's verdict on it, read from its feedback: whether the answer was right, the answer that
/// should have been given, and which retrieved chunks were relevant. The unit that <c>llmstack export</c> turns into an
/// evaluation item, a fine-tuning example and (query, passage) pairs.
/// </summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed record LabelledInteraction
{
    /// <summary>Gets the interaction.</summary>
    public required InteractionRecord Interaction { get; init; }

    /// <summary>Gets a value indicating whether the answer was judged right.</summary>
    public bool IsCorrect { get; init; }

    /// <summary>Gets the answer that should have been given: the person's corrected answer, or the recorded answer when it was judged right; <see langword="null"/> when neither is known.</summary>
    public string? Reference { get; init; }

    /// <summary>Gets the ids of the retrieved chunks judged relevant to the question.</summary>
    public IReadOnlyList<string> RelevantChunkIds { get; init; } = [];

    /// <summary>Gets the ids of the retrieved chunks judged irrelevant to the question.</summary>
    public IReadOnlyList<string> IrrelevantChunkIds { get; init; } = [];

    /// <summary>
    /// Reads the verdict from an interaction's feedback. The latest feedback that gives one counts: the label
    /// <see cref="InteractionLabels.Correct"/> or <see cref="InteractionLabels.Incorrect"/>, or else a rating (4 or 5 is
    /// right, 1 or 2 wrong), or else a corrected answer (wrong). Chunk judgements come from that same feedback.
    /// </summary>
    /// <param name="interaction">The interaction.</param>
    /// <param name="feedback">Its feedback, oldest first (as <see cref="IInteractionStore.GetFeedbackAsync"/> returns it).</param>
    /// <returns>The labelled interaction; <see langword="null"/> when no feedback gives a verdict.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static LabelledInteraction? FromFeedback(InteractionRecord interaction, IReadOnlyList<InteractionFeedback> feedback)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        ArgumentNullException.ThrowIfNull(feedback);
        for (int i = feedback.Count - 1; i >= 0; i--)
        {
            InteractionFeedback f = feedback[i];
            bool? correct =
                f.Labels.Contains(InteractionLabels.Correct, StringComparer.OrdinalIgnoreCase) ? true
                : f.Labels.Contains(InteractionLabels.Incorrect, StringComparer.OrdinalIgnoreCase) ? false
                : f.Rating >= 4 ? true
                : f.Rating <= 2 ? false
                : !string.IsNullOrWhiteSpace(f.CorrectedAnswer) ? false
                : null;
            if (correct is not { } isCorrect)
            {
                continue;
            }

            return new LabelledInteraction
            {
                Interaction = interaction,
                IsCorrect = isCorrect,
                Reference = !string.IsNullOrWhiteSpace(f.CorrectedAnswer) ? f.CorrectedAnswer : isCorrect ? interaction.Answer : null,
                RelevantChunkIds = f.RelevantChunkIds,
                IrrelevantChunkIds = f.IrrelevantChunkIds,
            };
        }

        return null;
    }
}
