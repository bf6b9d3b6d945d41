namespace Llm.Stack;

/// <summary>The interactions of one time bucket of <see cref="InteractionStatistics.Buckets"/>.</summary>
/// <remarks>An instance is immutable.</remarks>
public sealed class InteractionStatisticsBucket
{
    /// <summary>Gets the start of the bucket; it ends where the next starts (<see cref="InteractionStatistics.BucketWidth"/> later).</summary>
    public DateTimeOffset Start { get; init; }

    /// <summary>Gets the number of interactions that started in the bucket.</summary>
    public long Count { get; init; }

    /// <summary>Gets the number of them that ended with an error.</summary>
    public long ErrorCount { get; init; }

    /// <summary>Gets the median total latency; <see langword="null"/> for an empty bucket.</summary>
    public TimeSpan? LatencyP50 { get; init; }

    /// <summary>Gets the 95th percentile of the total latency; <see langword="null"/> for an empty bucket.</summary>
    public TimeSpan? LatencyP95 { get; init; }

    /// <summary>Gets the median time to first token; <see langword="null"/> when none was recorded in the bucket.</summary>
    public TimeSpan? TimeToFirstTokenP50 { get; init; }

    /// <summary>Gets the 95th percentile of the time to first token; <see langword="null"/> when none was recorded in the bucket.</summary>
    public TimeSpan? TimeToFirstTokenP95 { get; init; }

    /// <summary>Gets the mean of each answer's best retrieval score in the bucket (its drift over time); <see langword="null"/> when nothing was retrieved in it.</summary>
    public double? MeanTopScore { get; init; }
}
