namespace Llm.Stack;

/// <summary>What a guardrail check looks for.</summary>
public enum GuardrailCategory
{
    /// <summary>Personal data and secrets (<see cref="PiiDetector"/>).</summary>
    PersonalData,

    /// <summary>A prompt injection (<see cref="PromptInjectionDetector"/>, and the <see cref="IPromptInjectionClassifier"/> when one is configured).</summary>
    PromptInjection,

    /// <summary>Structured output that is not valid JSON or does not match its schema (<see cref="OutputValidationChatClient"/>).</summary>
    InvalidOutput,

    /// <summary>An answer that declines the request (<see cref="RefusalDetector"/>).</summary>
    Refusal,

    /// <summary>Harmful content under the content policy (<see cref="IContentClassifier"/>); the kind is the <see cref="ContentCategory"/>, such as <c>violence</c>.</summary>
    HarmfulContent,
}
