namespace Llm.Stack.Evaluation;

/// <summary>The outcome of one labelled query of a retrieval evaluation.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="Query">The labelled query.</param>
/// <param name="RetrievedIds">The ids that the retriever returned, best first (after <see cref="RetrievalMatch"/>).</param>
/// <param name="Scores">The metrics of this query at the evaluation's cut-off.</param>
public sealed record RetrievalQueryResult(RetrievalQuery Query, IReadOnlyList<string> RetrievedIds, RetrievalScores Scores);
