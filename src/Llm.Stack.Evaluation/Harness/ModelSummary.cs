namespace Llm.Stack.Evaluation;

/// <summary>The aggregate of one model over a dataset, with its weighted rank.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed record ModelSummary
{
    /// <summary>Gets the model name.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the rank (1 is best) by <see cref="WeightedScore"/>.</summary>
    public int Rank { get; init; }

    /// <summary>Gets the weighted score from 0 to 1 (see <see cref="ModelComparisonOptions.Weights"/>).</summary>
    public double WeightedScore { get; init; }

    /// <summary>Gets the number of items run.</summary>
    public int Items { get; init; }

    /// <summary>Gets the number of items whose call failed after all retries (their quality metrics count as 0).</summary>
    public int Failures { get; init; }

    /// <summary>Gets the mean of each metric over the items, keyed by metric name.</summary>
    public required IReadOnlyDictionary<string, double> MeanMetrics { get; init; }

    /// <summary>Gets the mean time to first token over successful items, in milliseconds.</summary>
    public double MeanTimeToFirstTokenMs { get; init; }

    /// <summary>Gets the mean total latency over successful items, in milliseconds.</summary>
    public double MeanLatencyMs { get; init; }

    /// <summary>Gets the 95th percentile of total latency over successful items, in milliseconds.</summary>
    public double P95LatencyMs { get; init; }

    /// <summary>Gets the total input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the total output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the total cost; <see langword="null"/> when the prices or token counts are unknown.</summary>
    public decimal? TotalCost { get; init; }
}
