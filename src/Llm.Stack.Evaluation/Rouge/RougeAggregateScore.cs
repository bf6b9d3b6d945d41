namespace Llm.Stack.Evaluation;

/// <summary>A bootstrap confidence interval of ROUGE scores, as rouge-score's <c>AggregateScore(low, mid, high)</c>.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="Low">The lower percentile of the bootstrap means (2.5th for a 95% interval).</param>
/// <param name="Mid">The median of the bootstrap means (rouge-score's <c>mid</c>).</param>
/// <param name="High">The upper percentile of the bootstrap means (97.5th for a 95% interval).</param>
/// <param name="Mean">The plain mean over all added scores (no resampling).</param>
public sealed record RougeAggregateScore(RougeScore Low, RougeScore Mid, RougeScore High, RougeScore Mean);
