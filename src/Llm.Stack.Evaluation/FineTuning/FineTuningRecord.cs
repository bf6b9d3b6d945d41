namespace Llm.Stack.Evaluation;

/// <summary>A validated example with its token count.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="Example">The example.</param>
/// <param name="SourceIndex">The zero-based index of the example in the order added.</param>
/// <param name="TokenCount">The tokens of the example as OpenAI counts chat messages (3 per message, plus role and content, plus 3).</param>
public sealed record FineTuningRecord(FineTuningExample Example, int SourceIndex, int TokenCount);
