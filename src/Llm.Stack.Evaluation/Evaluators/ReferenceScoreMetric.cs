using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>Builds the one numeric metric of an evaluator that scores a response against its reference answers.</summary>
internal static class ReferenceScoreMetric
{
    public static ValueTask<EvaluationResult> Evaluate(
        string metricName,
        ChatResponse modelResponse,
        IEnumerable<EvaluationContext>? additionalContext,
        Func<string, IReadOnlyList<string>, double> score)
    {
        ArgumentNullException.ThrowIfNull(modelResponse);
        var metric = new NumericMetric(metricName);
        var context = additionalContext?.OfType<ReferenceAnswersContext>().FirstOrDefault();
        if (context is null)
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Error($"A {nameof(ReferenceAnswersContext)} was not found in the additional context."));
        }
        else
        {
            metric.Value = score(modelResponse.Text, context.References);
            metric.AddOrUpdateContext(context);
        }

        return new ValueTask<EvaluationResult>(new EvaluationResult(metric));
    }
}
