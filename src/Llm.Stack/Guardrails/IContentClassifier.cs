namespace Llm.Stack;

/// <summary>
/// Decides whether a text is harmful content (<see cref="ContentCategory"/>): the content policy the guardrails apply to
/// the input, the retrieved documents and the output. Built in: <see cref="EnglishContentClassifier"/> (a fast lexical
/// baseline) and <see cref="ChatClientContentClassifier"/> (any <see cref="Microsoft.Extensions.AI.IChatClient"/> as a
/// moderator); a classifier trained on the application's own labelled records plugs in the same way
/// (<see cref="EmbeddingContentClassifier"/> over an <see cref="EmbeddingClassifier"/>).
/// </summary>
/// <remarks>Implementations must be safe to call concurrently from several threads.</remarks>
public interface IContentClassifier
{
    /// <summary>Classifies <paramref name="text"/>.</summary>
    /// <param name="text">A user message, a retrieved chunk, or (part of) a model's answer.</param>
    /// <param name="stage">Where the text comes from.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The categories of harmful content found; <see cref="ContentClassification.None"/> when none.</returns>
    ValueTask<ContentClassification> ClassifyAsync(string text, GuardrailStage stage, CancellationToken cancellationToken = default);
}
