namespace Llm.Stack;

/// <summary>
/// Which interactions <see cref="IInteractionStore.GetStatisticsAsync"/> summarises: a time range, optionally one model
/// and one tenant, cut into at most <see cref="MaxBuckets"/> equal time buckets for the charts.
/// </summary>
/// <remarks>Set the properties before the query runs; an instance is not meant to be changed while a query reads it.</remarks>
public sealed class InteractionStatisticsQuery
{
    /// <summary>The largest <see cref="MaxBuckets"/>.</summary>
    public const int MaxBucketLimit = 1_000;

    /// <summary>Gets or sets the start of the range (inclusive).</summary>
    /// <value>The default value is <see langword="null"/>: from the oldest stored interaction.</value>
    public DateTimeOffset? From { get; set; }

    /// <summary>Gets or sets the end of the range (exclusive).</summary>
    /// <value>The default value is <see langword="null"/>: up to and including the newest stored interaction.</value>
    public DateTimeOffset? To { get; set; }

    /// <summary>Gets or sets the model whose interactions are summarised (<see cref="InteractionRecord.ModelId"/>, compared exactly).</summary>
    /// <value>The default value is <see langword="null"/>: every model.</value>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the tenant whose interactions are summarised (<see cref="InteractionRecord.TenantId"/>, compared exactly).</summary>
    /// <value>The default value is <see langword="null"/>: every tenant.</value>
    public string? TenantId { get; set; }

    /// <summary>Gets or sets the largest number of time buckets; the bucket width is the smallest of 1, 5, 15 or 30 minutes, 1, 3, 6 or 12 hours, 1 or 7 days that needs no more.</summary>
    /// <value>From 1 to <see cref="MaxBucketLimit"/>. The default value is 48.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to <see cref="MaxBucketLimit"/>.</exception>
    public int MaxBuckets { get; set => field = OptionRange.Check(value, 1, MaxBucketLimit); } = 48;
}
