namespace Llm.Stack;

/// <summary>What a guardrail check looks for.</summary>
public enum GuardrailCategory
{
    /// <summary>Personal data and secrets (<see cref="PiiDetector"/>).</summary>
    PersonalData,

    /// <summary>A prompt injection (<see cref="PromptInjectionDetector"/>, and the <see cref="IPromptInjectionClassifier"/> when one is configured).</summary>
    PromptInjection,
}
