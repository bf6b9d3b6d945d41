namespace Llm.Stack.Evaluation;

/// <summary>
/// Aggregates per-example ROUGE scores into corpus-level confidence intervals by bootstrap resampling, as
/// rouge-score's <c>scoring.BootstrapAggregator</c> (and ROUGE-1.5.5) does, with a seed for reproducible intervals.
/// </summary>
/// <remarks>
/// <para>
/// Each of <see cref="Samples"/> bootstrap samples draws as many scores as were added, uniformly with replacement,
/// and takes their mean per measure (precision, recall, F-measure); the interval is the percentiles of those means
/// with NumPy's default linear interpolation. rouge-score draws with NumPy's global generator, so its intervals are
/// not reproducible; here the same seed always gives the same intervals.
/// </para>
/// <para>Not thread-safe: add scores from one thread at a time.</para>
/// </remarks>
public sealed class BootstrapAggregator
{
    private readonly Dictionary<string, List<RougeScore>> _scores = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="BootstrapAggregator"/> class.</summary>
    /// <param name="confidenceInterval">The confidence level of the interval, from 0 to 1. The default is 0.95.</param>
    /// <param name="samples">The number of bootstrap samples. The default is 1000.</param>
    /// <param name="seed">The seed of the resampling; <see langword="null"/> for a fixed default seed (0).</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="confidenceInterval"/> is outside [0, 1] or <paramref name="samples"/> is not positive.
    /// </exception>
    public BootstrapAggregator(double confidenceInterval = 0.95, int samples = 1000, int? seed = null)
    {
        if (!(confidenceInterval is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceInterval), confidenceInterval, "The confidence interval must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ConfidenceInterval = confidenceInterval;
        Samples = samples;
        Seed = seed ?? 0;
    }

    /// <summary>Gets the confidence level of the interval.</summary>
    public double ConfidenceInterval { get; }

    /// <summary>Gets the number of bootstrap samples.</summary>
    public int Samples { get; }

    /// <summary>Gets the seed of the resampling.</summary>
    public int Seed { get; }

    /// <summary>Adds the scores of one example (for example the result of <see cref="RougeScorer.Score"/>).</summary>
    /// <param name="scores">The scores, keyed by ROUGE type.</param>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> is <see langword="null"/>.</exception>
    public void AddScores(IReadOnlyDictionary<string, RougeScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        foreach (var (type, score) in scores)
        {
            if (!_scores.TryGetValue(type, out var list))
            {
                _scores[type] = list = [];
            }

            list.Add(score);
        }
    }

    /// <summary>Computes the confidence interval of every ROUGE type added so far.</summary>
    /// <returns>The intervals, keyed by ROUGE type; empty when nothing was added.</returns>
    public IReadOnlyDictionary<string, RougeAggregateScore> Aggregate()
    {
        var result = new Dictionary<string, RougeAggregateScore>(StringComparer.Ordinal);
        foreach (var (type, scores) in _scores)
        {
            var matrix = new double[scores.Count][];
            for (var i = 0; i < scores.Count; i++)
            {
                matrix[i] = [scores[i].Precision, scores[i].Recall, scores[i].FMeasure];
            }

            var (low, mid, high, mean) = Bootstrap.Resample(matrix, Samples, ConfidenceInterval, Seed);
            result[type] = new RougeAggregateScore(
                new RougeScore(low[0], low[1], low[2]),
                new RougeScore(mid[0], mid[1], mid[2]),
                new RougeScore(high[0], high[1], high[2]),
                new RougeScore(mean[0], mean[1], mean[2]));
        }

        return result;
    }
}
