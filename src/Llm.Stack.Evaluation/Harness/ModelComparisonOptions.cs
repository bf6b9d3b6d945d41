using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>Options of <see cref="ModelComparisonHarness"/>.</summary>
/// <remarks>Do not change an instance while a run that received it is in progress.</remarks>
public sealed class ModelComparisonOptions
{
    /// <summary>The pseudo-metric name of the mean total latency in <see cref="Weights"/> (lower is better).</summary>
    public const string LatencyWeightName = "latency";

    /// <summary>The pseudo-metric name of the total cost in <see cref="Weights"/> (lower is better).</summary>
    public const string CostWeightName = "cost";

    /// <summary>Gets or sets the maximum number of model calls in flight at once, over all models.</summary>
    /// <value>The default value is 4.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxConcurrency { get; set => field = OptionRange.Check(value, 1); } = 4;

    /// <summary>
    /// Gets or sets how many times a call that failed with a transient fault is retried (HTTP 408, 429 and 5xx, no
    /// response, a timeout; through <c>UseLlmResilience</c>). A permanent fault, such as a 400, is recorded at once.
    /// </summary>
    /// <value>The default value is 2.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxRetries { get; set => field = OptionRange.Check(value, 0); } = 2;

    /// <summary>Gets or sets the delay before the first retry; each further retry waits about twice as long (with jitter), and a server's <c>Retry-After</c> wins.</summary>
    /// <value>The default value is 1 second.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan RetryDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the path of the results file (JSONL, one record per model and item). Records already in it are
    /// reused and not run again, so an interrupted run resumes where it stopped; new records are appended as they
    /// complete.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: results are kept in memory only.</value>
    public string? ResultsPath { get; set; }

    /// <summary>Gets or sets the evaluators applied to every response, given a <see cref="ReferenceAnswersContext"/>.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: <see cref="BleuEvaluator"/>, <see cref="RougeEvaluator"/> (ROUGE-1, ROUGE-2,
    /// ROUGE-L, ROUGE-Lsum), <see cref="ExactMatchEvaluator"/> and <see cref="TokenF1Evaluator"/>.
    /// </value>
    public IList<IEvaluator>? Evaluators { get; set; }

    /// <summary>
    /// Gets or sets the counterfactual bias probes run against each model after the dataset (<see cref="BiasProbeHarness"/>,
    /// through the same resilience layer); the report then holds one <see cref="BiasReport"/> per model
    /// (<see cref="ModelComparisonReport.Bias"/>), which every rendering shows. Probe answers are not kept in the results
    /// file: a resumed run sends the probes again.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no probes. <see cref="CounterfactualProbe.Defaults"/> is a built-in set.</value>
    public IList<CounterfactualProbe>? BiasProbes { get; set; }

    /// <summary>Gets or sets how the bias probes are run and measured (confidence level, bootstrap samples, chat options).</summary>
    /// <value>The default value is <see langword="null"/>: the defaults of <see cref="BiasProbeOptions"/>.</value>
    public BiasProbeOptions? BiasProbeOptions { get; set; }

    /// <summary>
    /// Gets the ranking weights, keyed by metric name (for example <c>BLEU</c>, <c>ROUGE-L</c>) or by
    /// <see cref="LatencyWeightName"/> / <see cref="CostWeightName"/>. Each metric's model means are min-max normalized
    /// across models (lower-is-better for latency and cost), and a model's score is the weighted mean of them.
    /// </summary>
    /// <value>
    /// By default empty: every quality metric has weight 1, latency and cost weight 0. Once any weight is set, the
    /// metrics without a weight count 0. A negative weight penalizes a criterion.
    /// </value>
    public IDictionary<string, double> Weights { get; } = new Dictionary<string, double>(StringComparer.Ordinal);
}
