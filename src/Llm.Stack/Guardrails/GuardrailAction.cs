namespace Llm.Stack;

/// <summary>What a guardrail does with what a check finds, chosen per stage and check in <see cref="GuardrailOptions"/>.</summary>
public enum GuardrailAction
{
    /// <summary>The check does not run.</summary>
    Allow,

    /// <summary>The check runs; what it finds is counted and logged, and the text passes unchanged.</summary>
    Flag,

    /// <summary>
    /// Personal data only: each item found is replaced. In the input, by a numbered placeholder (<c>[EMAIL_1]</c>)
    /// that is restored in the answer returned to the same caller; in retrieved documents and in the output, by a
    /// label of its kind (<c>[EMAIL]</c>) that is never restored.
    /// </summary>
    Redact,

    /// <summary>
    /// Prompt injection only: in the input, the text of each signal found is removed; in retrieved documents, the
    /// chunk is dropped before it reaches the prompt.
    /// </summary>
    Strip,

    /// <summary>
    /// The call is refused: a <see cref="GuardrailViolationException"/> is thrown, or the configured
    /// <see cref="GuardrailOptions.RefusalMessage"/> is returned. Nothing the check blocked is sent or emitted.
    /// </summary>
    Block,

    /// <summary>
    /// Structured output only (<see cref="OutputValidationChatClient"/>): an answer that is not valid against its schema
    /// is sent back to the model once with the problems found, or unwrapped from a Markdown code fence.
    /// </summary>
    Repair,
}
