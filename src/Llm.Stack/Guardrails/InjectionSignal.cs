namespace Llm.Stack;

/// <summary>One piece of evidence of a prompt injection found by <see cref="PromptInjectionDetector"/>.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Start">The index of the evidence's first character in the text.</param>
/// <param name="Length">Its length in characters.</param>
/// <param name="Weight">How strongly it alone indicates an injection, in [0, 1].</param>
public readonly record struct InjectionSignal(InjectionSignalKind Kind, int Start, int Length, double Weight);
