namespace Llm.Stack.Evaluation;

/// <summary>One item that scored lower than in the baseline, with what got worse and why (<see cref="BaselineComparison.Items"/>).</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed record ItemChange
{
    /// <summary>Gets the model name.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the dataset item id.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets why the item scored lower.</summary>
    public ItemChangeCause Cause { get; init; }

    /// <summary>Gets each metric that dropped on this item, with its value in the baseline and in this run, largest drop first.</summary>
    public required IReadOnlyList<MetricChange> Drops { get; init; }

    /// <summary>Gets the baseline's answer; <see langword="null"/> when its call failed.</summary>
    public string? BaselineResponse { get; init; }

    /// <summary>Gets this run's answer; <see langword="null"/> when its call failed.</summary>
    public string? CurrentResponse { get; init; }

    /// <summary>Gets this run's error when its call failed; otherwise <see langword="null"/>.</summary>
    public string? Error { get; init; }
}
