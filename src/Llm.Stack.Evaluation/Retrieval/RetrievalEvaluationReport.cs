namespace Llm.Stack.Evaluation;

/// <summary>The result of <see cref="RetrievalEvaluator.EvaluateAsync"/>: per-query outcomes and their means.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="K">The cut-off of every metric.</param>
/// <param name="Queries">The outcome of each query, in the order given.</param>
/// <param name="Mean">The mean of each metric over the queries: hit rate, MRR, precision@k, recall@k, MAP and nDCG@k.</param>
public sealed record RetrievalEvaluationReport(int K, IReadOnlyList<RetrievalQueryResult> Queries, RetrievalScores Mean);
