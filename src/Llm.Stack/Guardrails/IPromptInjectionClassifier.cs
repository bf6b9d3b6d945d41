namespace Llm.Stack;

/// <summary>
/// A second opinion on prompt injection, consulted by the guardrails for the texts that
/// <see cref="PromptInjectionDetector"/> lets through: typically a model (<see cref="ChatClientPromptInjectionClassifier"/>)
/// or a classifier trained on the application's own data.
/// </summary>
/// <remarks>Implementations must be safe to call concurrently from several threads.</remarks>
public interface IPromptInjectionClassifier
{
    /// <summary>Decides whether <paramref name="text"/> is a prompt injection.</summary>
    /// <param name="text">A user message or a retrieved chunk.</param>
    /// <param name="stage">Where the text comes from.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when the text is an injection.</returns>
    Task<bool> IsInjectionAsync(string text, GuardrailStage stage, CancellationToken cancellationToken = default);
}
