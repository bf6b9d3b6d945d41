namespace Llm.Stack.Evaluation;

/// <summary>
/// One metric of one model in the baseline and in this run: its mean over the items both ran
/// (<see cref="BaselineComparison.Metrics"/>), or its value on one item (<see cref="ItemChange.Drops"/>).
/// </summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed record MetricChange
{
    /// <summary>Gets the model name.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the metric name, as in the reports (such as <c>ROUGE-L</c> or <c>hit@3</c>).</summary>
    public required string Metric { get; init; }

    /// <summary>Gets the metric's value (or mean) in the baseline.</summary>
    public double Baseline { get; init; }

    /// <summary>Gets the metric's value (or mean) in this run.</summary>
    public double Current { get; init; }

    /// <summary>Gets how far it dropped: <see cref="Baseline"/> minus <see cref="Current"/> (negative when it rose).</summary>
    public double Drop => Baseline - Current;

    /// <summary>Gets the largest drop allowed; <see langword="null"/> when the metric is not gated.</summary>
    public double? MaxDrop { get; init; }

    /// <summary>Gets a value indicating whether the metric dropped by more than <see cref="MaxDrop"/>.</summary>
    public bool Regressed => MaxDrop is { } max && Drop > max + 1e-12;
}
