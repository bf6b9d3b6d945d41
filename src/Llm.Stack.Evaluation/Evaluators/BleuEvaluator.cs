using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>
/// An <see cref="IEvaluator"/> that scores a response with sacreBLEU-compatible sentence BLEU (<see cref="BleuScorer.SentenceScore"/>)
/// against the references of a <see cref="ReferenceAnswersContext"/>.
/// </summary>
/// <remarks>
/// The metric <see cref="BleuMetricName"/> is a <see cref="NumericMetric"/> from 0 to 100 (sacreBLEU's scale); its
/// metadata holds the precisions, brevity penalty, ratio and lengths. Without a <see cref="ReferenceAnswersContext"/>
/// the metric has no value and an error diagnostic. Instances are immutable and safe to use concurrently.
/// </remarks>
public sealed class BleuEvaluator : IEvaluator
{
    /// <summary>The name of the metric this evaluator produces.</summary>
    public const string BleuMetricName = "BLEU";

    private readonly BleuScorer _scorer;

    /// <summary>Initializes a new instance of the <see cref="BleuEvaluator"/> class.</summary>
    /// <param name="options">The BLEU options; <see langword="null"/> for sacreBLEU's defaults.</param>
    public BleuEvaluator(BleuOptions? options = null)
    {
        _scorer = new BleuScorer(options);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames { get; } = [BleuMetricName];

    /// <inheritdoc />
    public ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelResponse);
        var metric = new NumericMetric(BleuMetricName);
        var references = ReferenceAnswersContext.Find(additionalContext);
        if (references is null)
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Error($"A {nameof(ReferenceAnswersContext)} was not found in the additional context."));
            return new ValueTask<EvaluationResult>(new EvaluationResult(metric));
        }

        var score = _scorer.SentenceScore(modelResponse.Text, references);
        metric.Value = score.Score;
        metric.Reason = score.ToString();
        var inv = CultureInfo.InvariantCulture;
        metric.AddOrUpdateMetadata(new Dictionary<string, string>
        {
            ["precisions"] = string.Join("/", score.Precisions.Select(p => p.ToString("R", inv))),
            ["brevity_penalty"] = score.BrevityPenalty.ToString("R", inv),
            ["ratio"] = score.Ratio.ToString("R", inv),
            ["hyp_len"] = score.HypothesisLength.ToString(inv),
            ["ref_len"] = score.ReferenceLength.ToString(inv),
        });
        metric.AddOrUpdateContext(additionalContext!.OfType<ReferenceAnswersContext>().First());
        return new ValueTask<EvaluationResult>(new EvaluationResult(metric));
    }
}
