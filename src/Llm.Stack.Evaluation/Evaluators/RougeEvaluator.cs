using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>
/// An <see cref="IEvaluator"/> that scores a response with rouge-score-compatible ROUGE (<see cref="RougeScorer"/>)
/// against the references of a <see cref="ReferenceAnswersContext"/>.
/// </summary>
/// <remarks>
/// Each ROUGE type gives one <see cref="NumericMetric"/> (<c>ROUGE-1</c>, <c>ROUGE-2</c>, <c>ROUGE-L</c>,
/// <c>ROUGE-Lsum</c>, …) whose value is the F-measure from 0 to 1; precision and recall are in its metadata. With several
/// references, the reference with the best F-measure counts (as rouge-score's <c>score_multi</c>). Without a
/// <see cref="ReferenceAnswersContext"/> the metrics have no value and an error diagnostic. Instances are immutable
/// and safe to use concurrently.
/// </remarks>
public sealed class RougeEvaluator : IEvaluator
{
    private readonly RougeScorer _scorer;
    private readonly string[] _metricNames;

    /// <summary>Initializes a new instance of the <see cref="RougeEvaluator"/> class.</summary>
    /// <param name="rougeTypes">The ROUGE types; <see langword="null"/> for <c>rouge1</c>, <c>rouge2</c>, <c>rougeL</c> and <c>rougeLsum</c>.</param>
    /// <param name="useStemmer">Whether to stem tokens with the Porter stemmer.</param>
    /// <exception cref="ArgumentException"><paramref name="rougeTypes"/> is empty or holds an unknown type.</exception>
    public RougeEvaluator(IEnumerable<string>? rougeTypes = null, bool useStemmer = false)
    {
        _scorer = new RougeScorer(rougeTypes ?? ["rouge1", "rouge2", "rougeL", "rougeLsum"], useStemmer);
        _metricNames = [.. _scorer.RougeTypes.Select(MetricName)];
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames => _metricNames;

    /// <summary>Returns the metric name of a ROUGE type: <c>rouge1</c> → <c>ROUGE-1</c>, <c>rougeLsum</c> → <c>ROUGE-Lsum</c>.</summary>
    /// <param name="rougeType">The rouge-score type name.</param>
    /// <returns>The metric name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rougeType"/> is <see langword="null"/>.</exception>
    public static string MetricName(string rougeType)
    {
        ArgumentNullException.ThrowIfNull(rougeType);
        return rougeType.StartsWith("rouge", StringComparison.Ordinal) ? "ROUGE-" + rougeType[5..] : rougeType;
    }

    /// <inheritdoc />
    public ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelResponse);
        var context = additionalContext?.OfType<ReferenceAnswersContext>().FirstOrDefault();
        var metrics = new List<EvaluationMetric>();
        if (context is null)
        {
            foreach (var name in _metricNames)
            {
                var metric = new NumericMetric(name);
                metric.AddDiagnostics(EvaluationDiagnostic.Error($"A {nameof(ReferenceAnswersContext)} was not found in the additional context."));
                metrics.Add(metric);
            }

            return new ValueTask<EvaluationResult>(new EvaluationResult(metrics));
        }

        var text = modelResponse.Text;
        var best = new Dictionary<string, RougeScore>(StringComparer.Ordinal);
        foreach (var reference in context.References)
        {
            foreach (var (type, score) in _scorer.Score(reference, text))
            {
                if (!best.TryGetValue(type, out var current) || score.FMeasure > current.FMeasure)
                {
                    best[type] = score;
                }
            }
        }

        var inv = CultureInfo.InvariantCulture;
        foreach (var type in _scorer.RougeTypes)
        {
            var score = best[type];
            var metric = new NumericMetric(MetricName(type), score.FMeasure);
            metric.AddOrUpdateMetadata("precision", score.Precision.ToString("R", inv));
            metric.AddOrUpdateMetadata("recall", score.Recall.ToString("R", inv));
            metric.AddOrUpdateContext(context);
            metrics.Add(metric);
        }

        return new ValueTask<EvaluationResult>(new EvaluationResult(metrics));
    }
}
