using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>Options of a retrieval-augmented answer: retrieval, prompt budget, conversation and model settings.</summary>
/// <remarks>
/// Registered defaults come from configuration (<c>LlmStack:Rag</c>, and the chat model's <c>ContextWindow</c> and
/// <c>MaxOutputTokens</c>) and <c>builder.AddRag(options => ...)</c>; an instance passed to a single call is merged over
/// them (<see cref="WithDefaults"/>): what the call sets wins, the rest stays configured. Do not mutate an instance while a call that received it is running.
/// </remarks>
public class RagOptions
{
    private Fields _set;

    [Flags]
    private enum Fields
    {
        None = 0,
        Top = 1 << 0,
        CandidateCount = 1 << 1,
        ScoreThreshold = 1 << 2,
        ContextWindowTokens = 1 << 3,
        MaxAnswerTokens = 1 << 4,
        SystemPrompt = 1 << 5,
        Examples = 1 << 6,
        History = 1 << 7,
        ToolResults = 1 << 8,
        RewriteFollowUps = 1 << 9,
        ExtractiveSentences = 1 << 10,
        ChatOptions = 1 << 11,
        MetadataFilter = 1 << 12,
    }

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
            _set |= Fields.Top;
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
            _set |= Fields.CandidateCount;
        }
    } = 20;

    /// <summary>Gets or sets the minimum retrieval score of a source, on the retriever's scale.</summary>
    /// <value>The default value is <see langword="null"/>: no threshold.</value>
    public double? ScoreThreshold { get; set { field = value; _set |= Fields.ScoreThreshold; } }

    /// <summary>Gets or sets metadata that sources must match (see <see cref="RetrievalOptions.MetadataFilter"/>).</summary>
    /// <value>The default value is <see langword="null"/>: no filter.</value>
    public IReadOnlyDictionary<string, object?>? MetadataFilter { get; set { field = value; _set |= Fields.MetadataFilter; } }

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
            _set |= Fields.ContextWindowTokens;
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
            _set |= Fields.MaxAnswerTokens;
        }
    } = 1024;

    /// <summary>Gets or sets the system prompt; <see langword="null"/> for the built-in one, which asks for <c>[n]</c> citations.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SystemPrompt { get; set { field = value; _set |= Fields.SystemPrompt; } }

    /// <summary>Gets or sets few-shot example messages placed after the system prompt.</summary>
    /// <value>The default value is <see langword="null"/>: no examples.</value>
    public IReadOnlyList<ChatMessage>? Examples { get; set { field = value; _set |= Fields.Examples; } }

    /// <summary>Gets or sets the earlier turns of the conversation, oldest first.</summary>
    /// <value>The default value is <see langword="null"/>: the question stands alone.</value>
    /// <remarks>The oldest turns are dropped first when the budget is short.</remarks>
    public IReadOnlyList<ChatMessage>? History { get; set { field = value; _set |= Fields.History; } }

    /// <summary>Gets or sets tool results (messages with function call and result contents) to include in the prompt.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IReadOnlyList<ChatMessage>? ToolResults { get; set { field = value; _set |= Fields.ToolResults; } }

    /// <summary>Gets or sets a value indicating whether a follow-up question is rewritten into a standalone query before retrieval.</summary>
    /// <value>The default value is <see langword="true"/>. It applies only when there is history and a chat model.</value>
    public bool RewriteFollowUps { get; set { field = value; _set |= Fields.RewriteFollowUps; } } = true;

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
            _set |= Fields.ExtractiveSentences;
        }
    } = 3;

    /// <summary>Gets or sets the chat options of the generation call (model, temperature, tools for function invocation).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ChatOptions? ChatOptions { get; set { field = value; _set |= Fields.ChatOptions; } }

    /// <summary>
    /// Returns the options of one call: a copy of <paramref name="defaults"/> (the configured ones) with every property
    /// that was set on this instance applied over it, so that a call setting <see cref="Top"/> keeps the configured
    /// <see cref="ContextWindowTokens"/> and <see cref="MaxAnswerTokens"/>.
    /// </summary>
    /// <param name="defaults">The configured defaults.</param>
    /// <returns>A new instance; neither this one nor <paramref name="defaults"/> is changed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="defaults"/> is <see langword="null"/>.</exception>
    /// <remarks>A property counts as set once its setter has run, even with the value the default already had.</remarks>
    public RagOptions WithDefaults(RagOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        RagOptions merged = defaults.Clone();
        if ((_set & Fields.Top) != 0)
        {
            merged.Top = Top;
        }

        if ((_set & Fields.CandidateCount) != 0)
        {
            merged.CandidateCount = CandidateCount;
        }

        if ((_set & Fields.ScoreThreshold) != 0)
        {
            merged.ScoreThreshold = ScoreThreshold;
        }

        if ((_set & Fields.ContextWindowTokens) != 0)
        {
            merged.ContextWindowTokens = ContextWindowTokens;
        }

        if ((_set & Fields.MaxAnswerTokens) != 0)
        {
            merged.MaxAnswerTokens = MaxAnswerTokens;
        }

        if ((_set & Fields.SystemPrompt) != 0)
        {
            merged.SystemPrompt = SystemPrompt;
        }

        if ((_set & Fields.Examples) != 0)
        {
            merged.Examples = Examples;
        }

        if ((_set & Fields.History) != 0)
        {
            merged.History = History;
        }

        if ((_set & Fields.ToolResults) != 0)
        {
            merged.ToolResults = ToolResults;
        }

        if ((_set & Fields.RewriteFollowUps) != 0)
        {
            merged.RewriteFollowUps = RewriteFollowUps;
        }

        if ((_set & Fields.ExtractiveSentences) != 0)
        {
            merged.ExtractiveSentences = ExtractiveSentences;
        }

        if ((_set & Fields.ChatOptions) != 0)
        {
            merged.ChatOptions = ChatOptions;
        }

        if ((_set & Fields.MetadataFilter) != 0)
        {
            merged.MetadataFilter = MetadataFilter;
        }

        merged._set = defaults._set | _set;
        return merged;
    }

    /// <summary>Creates a shallow copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public RagOptions Clone() => (RagOptions)MemberwiseClone();
}
