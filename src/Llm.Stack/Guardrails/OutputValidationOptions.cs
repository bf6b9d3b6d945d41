namespace Llm.Stack;

/// <summary>What <see cref="OutputValidationChatClient"/> checks in the model's answers and what it does about them.</summary>
/// <remarks>The client reads the options on every call: do not change an instance while calls that use it are running.</remarks>
public sealed class OutputValidationOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether structured output that is not valid JSON, or does not match the schema of
    /// <see cref="Microsoft.Extensions.AI.ChatOptions.ResponseFormat"/>, is sent back to the model once with the
    /// problems found, asking for the corrected JSON.
    /// </summary>
    /// <value>
    /// The default value is <see langword="true"/>. When <see langword="false"/>, or when the repaired answer is still
    /// invalid, the call throws <see cref="GuardrailViolationException"/> with <see cref="GuardrailCategory.InvalidOutput"/>.
    /// </value>
    public bool Repair { get; set; } = true;

    /// <summary>Gets or sets the detector of answers that decline the request; <see langword="null"/> to not look for refusals.</summary>
    /// <value>The default value is <see cref="RefusalDetector.Default"/>.</value>
    public RefusalDetector? RefusalDetector { get; set; } = RefusalDetector.Default;
}
