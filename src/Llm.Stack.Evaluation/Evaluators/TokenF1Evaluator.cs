using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>
/// An <see cref="IEvaluator"/> that scores a response by token-level F1 (0 to 1) after SQuAD answer normalization
/// (<see cref="AnswerMetrics.TokenF1"/>) against the best of the references of a <see cref="ReferenceAnswersContext"/>.
/// </summary>
/// <remarks>
/// Without a <see cref="ReferenceAnswersContext"/> the metric has no value and an error diagnostic. Instances are
/// stateless and safe to use concurrently.
/// </remarks>
public sealed class TokenF1Evaluator : IEvaluator
{
    /// <summary>The name of the metric this evaluator produces.</summary>
    public const string TokenF1MetricName = "Token F1";

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames { get; } = [TokenF1MetricName];

    /// <inheritdoc />
    public ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default) =>
        ReferenceScoreMetric.Evaluate(TokenF1MetricName, modelResponse, additionalContext, AnswerMetrics.TokenF1);
}
