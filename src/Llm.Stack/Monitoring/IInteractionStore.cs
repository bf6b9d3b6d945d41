namespace Llm.Stack;

/// <summary>
/// Where <see cref="InteractionLog"/> keeps interaction records and feedback: SQLite by default
/// (<c>SqliteInteractionStore</c> in Llm.Stack.Monitoring), or a server database.
/// </summary>
/// <remarks>
/// <see cref="InteractionLog"/> calls <see cref="WriteAsync"/> from one background task at a time, but feedback and
/// reads may arrive concurrently with it: implementations must be safe to call from several threads at once.
/// </remarks>
public interface IInteractionStore
{
    /// <summary>Writes a batch of records, all or none; a record whose id is already stored replaces it.</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the batch is durable.</returns>
    Task WriteAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Adds feedback to a stored interaction.</summary>
    /// <param name="interactionId">The interaction's <see cref="InteractionRecord.Id"/>.</param>
    /// <param name="feedback">The feedback.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when the interaction is stored and the feedback was added; <see langword="false"/> when no interaction has that id.</returns>
    Task<bool> AddFeedbackAsync(string interactionId, InteractionFeedback feedback, CancellationToken cancellationToken = default);

    /// <summary>Reads one interaction.</summary>
    /// <param name="interactionId">The interaction's id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The record, or <see langword="null"/> when no interaction has that id.</returns>
    Task<InteractionRecord?> GetAsync(string interactionId, CancellationToken cancellationToken = default);

    /// <summary>Reads the feedback given on one interaction, oldest first.</summary>
    /// <param name="interactionId">The interaction's id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The feedback; empty when there is none or no interaction has that id.</returns>
    Task<IReadOnlyList<InteractionFeedback>> GetFeedbackAsync(string interactionId, CancellationToken cancellationToken = default);

    /// <summary>Reads the most recent interactions, newest first.</summary>
    /// <param name="count">The largest number of records to return.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The records.</returns>
    Task<IReadOnlyList<InteractionRecord>> GetRecentAsync(int count, CancellationToken cancellationToken = default);

    /// <summary>Reads a page of interactions, newest first, filtered by their feedback (for labelling and export).</summary>
    /// <param name="query">Which interactions to read.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>At most <see cref="InteractionQuery.Count"/> records.</returns>
    Task<IReadOnlyList<InteractionRecord>> QueryAsync(InteractionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Summarises the interactions of a time range for monitoring: latency, time to first token, errors, tokens and cost per model and day, feedback, unanswered questions, retrieval scores and guardrail blocks.</summary>
    /// <param name="query">Which interactions to summarise.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The summary; all zeros and empty lists when no interaction matches.</returns>
    /// <exception cref="ArgumentException">The query's range ends before it starts.</exception>
    Task<InteractionStatistics> GetStatisticsAsync(InteractionStatisticsQuery query, CancellationToken cancellationToken = default);
}
