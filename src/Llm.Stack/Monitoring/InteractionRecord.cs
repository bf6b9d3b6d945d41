namespace Llm.Stack;

/// <summary>
/// What happened in one chat call or RAG answer: who asked, which model answered with which prompt, what was retrieved
/// and cited, how long it took, how many tokens it used, and how it ended. Written by <see cref="InteractionLog"/> to an
/// <see cref="IInteractionStore"/>.
/// </summary>
/// <remarks>
/// The text of the conversation (<see cref="Question"/>, <see cref="RewrittenQuery"/>, <see cref="Answer"/>) is recorded
/// only when <see cref="InteractionLogOptions.IncludeContent"/> is on, and then with personal data redacted unless
/// <see cref="InteractionLogOptions.RedactPersonalData"/> is off. A record is filled by one call; do not change it after
/// it has been handed to <see cref="InteractionLog.Write(InteractionRecord)"/>.
/// </remarks>
public sealed class InteractionRecord
{
    /// <summary>Gets or sets the id of the interaction, which feedback refers to.</summary>
    /// <value>32 lower-case hexadecimal digits (a time-ordered UUID) unless the caller chose the id.</value>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets when the interaction started.</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>Gets or sets what kind of interaction it was.</summary>
    /// <value><c>chat</c> for a chat call, <c>rag</c> for an answer from retrieved sources, or a name the caller chose.</value>
    public string Operation { get; set; } = "chat";

    /// <summary>Gets or sets the tenant the interaction belongs to; <see langword="null"/> when not given.</summary>
    public string? TenantId { get; set; }

    /// <summary>Gets or sets the user who asked; <see langword="null"/> when not given.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets or sets the id of the model that answered; <see langword="null"/> when not known.</summary>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the name of the prompt template used; <see langword="null"/> for none.</summary>
    public string? PromptTemplate { get; set; }

    /// <summary>Gets or sets the version of the prompt template used; <see langword="null"/> for none.</summary>
    public string? PromptTemplateVersion { get; set; }

    /// <summary>Gets or sets the question (the last user message); <see langword="null"/> when content is not recorded.</summary>
    public string? Question { get; set; }

    /// <summary>Gets or sets the standalone query a follow-up question was rewritten into; <see langword="null"/> when not rewritten or content is not recorded.</summary>
    public string? RewrittenQuery { get; set; }

    /// <summary>Gets or sets the chunks retrieved for the answer, in the order they were given to the model.</summary>
    public IReadOnlyList<InteractionChunk> RetrievedChunks { get; set; } = [];

    /// <summary>Gets or sets the ids of the chunks the answer cites.</summary>
    public IReadOnlyList<string> CitedChunkIds { get; set; } = [];

    /// <summary>Gets or sets the answer; <see langword="null"/> when content is not recorded or the call failed.</summary>
    public string? Answer { get; set; }

    /// <summary>Gets or sets the number of input tokens; <see langword="null"/> when not reported.</summary>
    public long? InputTokens { get; set; }

    /// <summary>Gets or sets the number of output tokens; <see langword="null"/> when not reported.</summary>
    public long? OutputTokens { get; set; }

    /// <summary>Gets or sets the time from the start of the call to the first text of the answer; <see langword="null"/> when no text came.</summary>
    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>Gets or sets the total time of the call.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>Gets or sets the cost of the call, in the currency of <see cref="InteractionLogOptions.CostCalculator"/>; <see langword="null"/> when not computed.</summary>
    public decimal? Cost { get; set; }

    /// <summary>Gets or sets the guardrail decisions taken in the interaction, each once: what was done, to what, where and (when known) which kind, such as <c>redacted:personal_data:input:email</c>, <c>flagged:prompt_injection:retrieved_documents:ignore_instructions</c> or <c>blocked:prompt_injection:input:ignore_instructions</c>; empty when none.</summary>
    /// <value>Each is <c>flagged</c>, <c>redacted</c>, <c>stripped</c>, <c>repaired</c> or <c>blocked</c>; then <c>personal_data</c>, <c>prompt_injection</c>, <c>invalid_output</c>, <c>refusal</c> or <c>harmful_content</c>; then <c>input</c>, <c>retrieved_documents</c>, <c>output</c> or <c>tool_results</c>; then the kind, as tagged on <see cref="LlmStackTelemetry.GuardrailDecisionsName"/>.</value>
    public IReadOnlyList<string> GuardrailDecisions { get; set; } = [];

    /// <summary>Gets or sets the error that ended the call (the exception's type, and for a guardrail its category), without message text; <see langword="null"/> when it succeeded.</summary>
    public string? Error { get; set; }
}
