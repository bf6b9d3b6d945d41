namespace Llm.Stack.Evaluation;

/// <summary>A problem found while validating a fine-tuning dataset.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="ExampleIndex">The zero-based index of the example in the order added; -1 for a problem of the whole dataset.</param>
/// <param name="Problem">What is wrong, in words.</param>
public sealed record FineTuningIssue(int ExampleIndex, string Problem);
