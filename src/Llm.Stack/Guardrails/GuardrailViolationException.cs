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
        : this(category, stage, [])
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="GuardrailViolationException"/> class for a check that blocked a call,
    /// with where the text failed.
    /// </summary>
    /// <param name="category">What the check found.</param>
    /// <param name="stage">Where it found it.</param>
    /// <param name="details">Where the text failed, without the text (for invalid output, a JSON pointer and the schema keyword: <c>/age: minimum</c>; for harmful content, the categories found: <c>violence</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="details"/> is <see langword="null"/>.</exception>
    public GuardrailViolationException(GuardrailCategory category, GuardrailStage stage, IReadOnlyList<string> details)
        : base(Compose(category, stage, details))
    {
        Category = category;
        Stage = stage;
        Details = details;
    }

    /// <summary>Gets what the check found.</summary>
    public GuardrailCategory Category { get; }

    /// <summary>Gets where the check found it.</summary>
    public GuardrailStage Stage { get; }

    /// <summary>Gets where the text failed, without the text; empty when the check has nothing to add to <see cref="Category"/>.</summary>
    public IReadOnlyList<string> Details { get; }

    private static string Compose(GuardrailCategory category, GuardrailStage stage, IReadOnlyList<string> details)
    {
        ArgumentNullException.ThrowIfNull(details);
        string message = $"The guardrails blocked the call: {Describe(category)} in the {Describe(stage)}.";
        return details.Count == 0 ? message : $"{message} Where: {string.Join("; ", details.Take(10))}{(details.Count > 10 ? $"; and {details.Count - 10} more" : "")}.";
    }

    private static string Describe(GuardrailCategory category) => category switch
    {
        GuardrailCategory.PersonalData => "personal data or a secret",
        GuardrailCategory.PromptInjection => "a prompt injection",
        GuardrailCategory.InvalidOutput => "structured output that is not valid JSON or does not match its schema",
        GuardrailCategory.Refusal => "a refusal where structured output was asked for",
        GuardrailCategory.HarmfulContent => "harmful content",
        _ => category.ToString(),
    };

    private static string Describe(GuardrailStage stage) => stage switch
    {
        GuardrailStage.Input => "input",
        GuardrailStage.RetrievedDocuments => "retrieved documents",
        GuardrailStage.Output => "output",
        GuardrailStage.ToolResults => "a function's result",
        _ => stage.ToString(),
    };
}
