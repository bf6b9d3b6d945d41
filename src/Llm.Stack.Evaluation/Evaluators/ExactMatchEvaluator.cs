using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>
/// An <see cref="IEvaluator"/> that scores a response by exact match (1 or 0) after SQuAD answer normalization
/// (<see cref="AnswerMetrics.ExactMatch"/>) against the best of the references of a <see cref="ReferenceAnswersContext"/>.
/// </summary>
/// <remarks>
/// Without a <see cref="ReferenceAnswersContext"/> the metric has no value and an error diagnostic. Instances are
/// stateless and safe to use concurrently.
/// </remarks>
public sealed class ExactMatchEvaluator : IEvaluator
{
    /// <summary>The name of the metric this evaluator produces.</summary>
    public const string ExactMatchMetricName = "Exact Match";

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames { get; } = [ExactMatchMetricName];

    /// <inheritdoc />
    public ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default) =>
        ReferenceScoreMetric.Evaluate(ExactMatchMetricName, modelResponse, additionalContext, AnswerMetrics.ExactMatch);
}
