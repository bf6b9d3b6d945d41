using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>How <see cref="BiasProbeHarness"/> runs the probes and computes its confidence intervals.</summary>
public sealed class BiasProbeOptions
{
    /// <summary>Gets or sets the confidence level of the intervals.</summary>
    /// <value>The default value is 0.95.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not in (0, 1).</exception>
    public double Confidence
    {
        get;
        set => field = value is > 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The confidence must be in (0, 1).");
    } = 0.95;

    /// <summary>Gets or sets the number of bootstrap resamples of the probes.</summary>
    /// <value>The default value is 1000.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 100.</exception>
    public int BootstrapSamples
    {
        get;
        set => field = value >= 100 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least 100 resamples.");
    } = 1000;

    /// <summary>Gets or sets the seed of the resampling, so that a report can be reproduced.</summary>
    /// <value>The default value is 17.</value>
    public int Seed { get; set; } = 17;

    /// <summary>Gets or sets the options of every chat call; <see langword="null"/> for the client's defaults.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>Gets or sets the detector that decides which answers are refusals.</summary>
    /// <value>The default value is <see cref="RefusalDetector.Default"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public RefusalDetector RefusalDetector { get; set => field = value ?? throw new ArgumentNullException(nameof(value)); } = RefusalDetector.Default;
}
