namespace Llm.Stack.Monitoring;

/// <summary>
/// The latency and retrieval numbers that <see cref="InteractionStatistics"/> reports for all the interactions of a range
/// and <see cref="InteractionStatisticsBucket"/> for those of one bucket, computed in one place: the median and 95th
/// percentile of the total latency and of the time to first token (nearest rank, read from <see cref="LatencyHistogram"/>),
/// and the mean of each answer's best retrieval score.
/// </summary>
/// <param name="LatencyP50">The median total latency; <see langword="null"/> without interactions.</param>
/// <param name="LatencyP95">The 95th percentile of the total latency; <see langword="null"/> without interactions.</param>
/// <param name="TimeToFirstTokenP50">The median time to first token; <see langword="null"/> when none was recorded.</param>
/// <param name="TimeToFirstTokenP95">The 95th percentile of the time to first token; <see langword="null"/> when none was recorded.</param>
/// <param name="MeanTopScore">The mean best retrieval score; <see langword="null"/> when nothing was retrieved.</param>
internal readonly record struct InteractionSummary(
    TimeSpan? LatencyP50, TimeSpan? LatencyP95, TimeSpan? TimeToFirstTokenP50, TimeSpan? TimeToFirstTokenP95, double? MeanTopScore)
{
    /// <summary>The summary of interactions whose latencies, times to first token and best scores are these.</summary>
    public static InteractionSummary Of(LatencyHistogram latency, LatencyHistogram timeToFirstToken, double scoreSum, long scoreCount) =>
        new(
            latency.Percentile(0.50),
            latency.Percentile(0.95),
            timeToFirstToken.Percentile(0.50),
            timeToFirstToken.Percentile(0.95),
            scoreCount == 0 ? null : scoreSum / scoreCount);

    /// <summary>The summary of the interactions of a roll-up.</summary>
    public static InteractionSummary Of(InteractionRollup rollup) =>
        Of(rollup.Latency, rollup.TimeToFirstToken, rollup.ScoreSum, rollup.ScoreCount);
}
