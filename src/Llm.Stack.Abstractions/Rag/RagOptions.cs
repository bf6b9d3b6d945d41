using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>Options of a retrieval-augmented answer: retrieval, prompt budget, conversation and model settings.</summary>
/// <remarks>
/// Registered defaults come from <c>builder.AddRag(options => ...)</c>; an instance passed to a single call
/// replaces them for that call. Do not mutate an instance while a call that received it is running.
/// </remarks>
public class RagOptions
{
    /// <summary>Gets or sets the number of chunks given to the model as sources.</summary>
    /// <value>The default value is 5.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int Top
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 5;

    /// <summary>Gets or sets the number of candidates retrieved before reranking, when a reranker is configured.</summary>
    /// <value>The default value is 20. Values below <see cref="Top"/> are raised to <see cref="Top"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int CandidateCount
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 20;

    /// <summary>Gets or sets the minimum retrieval score of a source, on the retriever's scale.</summary>
    /// <value>The default value is <see langword="null"/>: no threshold.</value>
    public double? ScoreThreshold { get; set; }

    /// <summary>Gets or sets metadata that sources must match (see <see cref="RetrievalOptions.MetadataFilter"/>).</summary>
    /// <value>The default value is <see langword="null"/>: no filter.</value>
    public IReadOnlyDictionary<string, object?>? MetadataFilter { get; set; }

    /// <summary>Gets or sets the model's context window in tokens: the whole prompt plus the answer must fit.</summary>
    /// <value>The default value is 8192.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int ContextWindowTokens
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 8192;

    /// <summary>Gets or sets the number of tokens reserved for the answer (also sent as <see cref="ChatOptions.MaxOutputTokens"/> when unset there).</summary>
    /// <value>The default value is 1024.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int MaxAnswerTokens
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 1024;

    /// <summary>Gets or sets the system prompt; <see langword="null"/> for the built-in one, which asks for <c>[n]</c> citations.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SystemPrompt { get; set; }

    /// <summary>Gets or sets few-shot example messages placed after the system prompt.</summary>
    /// <value>The default value is <see langword="null"/>: no examples.</value>
    public IReadOnlyList<ChatMessage>? Examples { get; set; }

    /// <summary>Gets or sets the earlier turns of the conversation, oldest first.</summary>
    /// <value>The default value is <see langword="null"/>: the question stands alone.</value>
    /// <remarks>The oldest turns are dropped first when the budget is short.</remarks>
    public IReadOnlyList<ChatMessage>? History { get; set; }

    /// <summary>Gets or sets tool results (messages with function call and result contents) to include in the prompt.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IReadOnlyList<ChatMessage>? ToolResults { get; set; }

    /// <summary>Gets or sets a value indicating whether a follow-up question is rewritten into a standalone query before retrieval.</summary>
    /// <value>The default value is <see langword="true"/>. It applies only when there is history and a chat model.</value>
    public bool RewriteFollowUps { get; set; } = true;

    /// <summary>Gets or sets the number of sentences of an extractive answer (used when no chat model is available).</summary>
    /// <value>The default value is 3.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int ExtractiveSentences
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 3;

    /// <summary>Gets or sets the chat options of the generation call (model, temperature, tools for function invocation).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>Creates a shallow copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public RagOptions Clone() => (RagOptions)MemberwiseClone();
}
