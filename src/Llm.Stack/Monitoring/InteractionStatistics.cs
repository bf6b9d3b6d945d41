namespace Llm.Stack;

/// <summary>
/// A summary of the interactions an <see cref="InteractionStatisticsQuery"/> selects, for a monitoring dashboard:
/// latency and time to first token over time, tokens and cost per model and day, feedback, the share of unanswered
/// questions, the retrieval-score distribution and its drift, guardrail blocks and errors. Returned by
/// <see cref="IInteractionStore.GetStatisticsAsync"/>.
/// </summary>
/// <remarks>
/// Latency percentiles are read from a histogram whose bins are 5% wide on a log scale (clamped to the smallest and
/// largest value seen), so each is within 2.5% of the exact nearest-rank percentile. An instance is immutable.
/// </remarks>
public sealed class InteractionStatistics
{
    /// <summary>Gets the start of the summarised range: the query's, or the oldest stored interaction's time.</summary>
    public DateTimeOffset From { get; init; }

    /// <summary>Gets the end of the summarised range (exclusive): the query's, or just after the newest stored interaction's time.</summary>
    public DateTimeOffset To { get; init; }

    /// <summary>Gets the width of each time bucket.</summary>
    public TimeSpan BucketWidth { get; init; }

    /// <summary>Gets the number of interactions.</summary>
    public long Count { get; init; }

    /// <summary>Gets the number of interactions that ended with an error (<see cref="InteractionRecord.Error"/>).</summary>
    public long ErrorCount { get; init; }

    /// <summary>Gets the share of interactions that ended with an error, from 0 to 1; 0 when there are none.</summary>
    public double ErrorRate => Count == 0 ? 0 : (double)ErrorCount / Count;

    /// <summary>Gets the number of RAG answers (<c>rag</c> operation) among the interactions.</summary>
    public long AnswerCount { get; init; }

    /// <summary>Gets the number of RAG answers that succeeded but cite no source: the "I don't know" answers (the model found nothing to answer from).</summary>
    public long UnansweredCount { get; init; }

    /// <summary>Gets the share of RAG answers that cite no source, from 0 to 1; 0 when there are none.</summary>
    public double UnansweredShare => AnswerCount == 0 ? 0 : (double)UnansweredCount / AnswerCount;

    /// <summary>Gets the number of interactions in which a guardrail blocked something.</summary>
    public long GuardrailBlockCount { get; init; }

    /// <summary>Gets the guardrail block decisions (such as <c>blocked:prompt_injection:input:ignore_instructions</c>) and how many interactions took each, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> GuardrailBlocks { get; init; } = [];

    /// <summary>Gets the number of positive feedback entries on the interactions: rated 4 or 5, or unrated and labelled <c>correct</c>.</summary>
    public long PositiveFeedbackCount { get; init; }

    /// <summary>Gets the number of negative feedback entries on the interactions: rated 1 or 2, or unrated and labelled <c>incorrect</c>.</summary>
    public long NegativeFeedbackCount { get; init; }

    /// <summary>Gets the share of positive among positive and negative feedback, from 0 to 1; <see langword="null"/> when there is neither.</summary>
    public double? PositiveFeedbackRatio => PositiveFeedbackCount + NegativeFeedbackCount == 0 ? null : (double)PositiveFeedbackCount / (PositiveFeedbackCount + NegativeFeedbackCount);

    /// <summary>Gets the total number of input tokens reported.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the total number of output tokens reported.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the total cost computed.</summary>
    public decimal Cost { get; init; }

    /// <summary>Gets the median total latency; <see langword="null"/> when there are no interactions.</summary>
    public TimeSpan? LatencyP50 { get; init; }

    /// <summary>Gets the 95th percentile of the total latency; <see langword="null"/> when there are no interactions.</summary>
    public TimeSpan? LatencyP95 { get; init; }

    /// <summary>Gets the median time to first token; <see langword="null"/> when none was recorded.</summary>
    public TimeSpan? TimeToFirstTokenP50 { get; init; }

    /// <summary>Gets the 95th percentile of the time to first token; <see langword="null"/> when none was recorded.</summary>
    public TimeSpan? TimeToFirstTokenP95 { get; init; }

    /// <summary>Gets the mean of each answer's best retrieval score; <see langword="null"/> when nothing was retrieved.</summary>
    public double? MeanTopScore { get; init; }

    /// <summary>Gets the time buckets, oldest first, each with its own latency, errors and retrieval scores (empty buckets included). The first starts at or before <see cref="From"/> on a multiple of <see cref="BucketWidth"/> since the Unix epoch.</summary>
    public IReadOnlyList<InteractionStatisticsBucket> Buckets { get; init; } = [];

    /// <summary>Gets the interactions, tokens and cost per model and UTC day, oldest day first, then by model id.</summary>
    public IReadOnlyList<InteractionModelDay> ModelDays { get; init; } = [];

    /// <summary>Gets the distribution of each answer's best retrieval score: equal-width bins from the lowest to the highest score; empty when nothing was retrieved.</summary>
    public IReadOnlyList<InteractionScoreBin> TopScoreHistogram { get; init; } = [];

    /// <summary>Gets every model id in the store (whatever the query's filters), in ordinal order, for choosing a filter.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Gets every tenant id in the store (whatever the query's filters), in ordinal order, for choosing a filter.</summary>
    public IReadOnlyList<string> Tenants { get; init; } = [];
}
