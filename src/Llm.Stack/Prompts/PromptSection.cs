namespace Llm.Stack;

/// <summary>The parts of a prompt that a <see cref="PromptBudget"/> allocates tokens to.</summary>
public enum PromptSection
{
    /// <summary>The system prompt (instructions).</summary>
    SystemPrompt,

    /// <summary>The user's current question.</summary>
    Question,

    /// <summary>Few-shot examples.</summary>
    Examples,

    /// <summary>Retrieved chunks, given as numbered sources.</summary>
    RetrievedChunks,

    /// <summary>Earlier turns of the conversation.</summary>
    History,

    /// <summary>Function call and result messages.</summary>
    ToolResults,
}
