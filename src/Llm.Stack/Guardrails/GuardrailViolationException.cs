namespace Llm.Stack;

/// <summary>
/// Thrown when a guardrail blocks a call (<see cref="GuardrailAction.Block"/>) and no
/// <see cref="GuardrailOptions.RefusalMessage"/> is configured. The message names the category and the stage, never
/// the text that was blocked.
/// </summary>
public sealed class GuardrailViolationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="GuardrailViolationException"/> class for a check that blocked a call.</summary>
    /// <param name="category">What the check found.</param>
    /// <param name="stage">Where it found it.</param>
    public GuardrailViolationException(GuardrailCategory category, GuardrailStage stage)
        : base($"The guardrails blocked the call: {Describe(category)} in the {Describe(stage)}.")
    {
        Category = category;
        Stage = stage;
    }

    /// <summary>Gets what the check found.</summary>
    public GuardrailCategory Category { get; }

    /// <summary>Gets where the check found it.</summary>
    public GuardrailStage Stage { get; }

    private static string Describe(GuardrailCategory category) => category switch
    {
        GuardrailCategory.PersonalData => "personal data or a secret",
        GuardrailCategory.PromptInjection => "a prompt injection",
        _ => category.ToString(),
    };

    private static string Describe(GuardrailStage stage) => stage switch
    {
        GuardrailStage.Input => "input",
        GuardrailStage.RetrievedDocuments => "retrieved documents",
        GuardrailStage.Output => "output",
        _ => stage.ToString(),
    };
}
