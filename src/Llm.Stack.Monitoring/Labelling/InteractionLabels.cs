namespace Llm.Stack.Monitoring;

/// <summary>The labels that mark a person's verdict on an answer (<see cref="InteractionFeedback.Labels"/>), as <c>llmstack label</c> records them.</summary>
public static class InteractionLabels
{
    /// <summary>The answer is right.</summary>
    public const string Correct = "correct";

    /// <summary>The answer is wrong.</summary>
    public const string Incorrect = "incorrect";
}
