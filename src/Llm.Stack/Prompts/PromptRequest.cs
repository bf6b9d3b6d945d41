using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>The parts of a prompt to assemble under a <see cref="PromptBudget"/>.</summary>
/// <remarks>Do not mutate an instance while it is being assembled.</remarks>
public sealed class PromptRequest
{
    /// <summary>Initializes a new instance of the <see cref="PromptRequest"/> class.</summary>
    /// <param name="question">The user's current question.</param>
    /// <exception cref="ArgumentNullException"><paramref name="question"/> is <see langword="null"/>.</exception>
    public PromptRequest(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        Question = question;
    }

    /// <summary>Gets the user's current question.</summary>
    public string Question { get; }

    /// <summary>Gets the system prompt, or <see langword="null"/> for none.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Gets few-shot example messages; each example starts at a user message and is kept or dropped whole.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<ChatMessage> Examples { get; init; } = [];

    /// <summary>Gets the retrieved chunks, most relevant first; source <c>[n]</c> is the n-th chunk kept.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<RetrievedChunk> Chunks { get; init; } = [];

    /// <summary>Gets the earlier turns of the conversation, oldest first; the oldest are dropped first.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<ChatMessage> History { get; init; } = [];

    /// <summary>Gets tool call and result messages, oldest first; a call and its results are kept or dropped together.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<ChatMessage> ToolResults { get; init; } = [];
}
