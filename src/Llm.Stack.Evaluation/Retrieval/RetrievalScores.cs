namespace Llm.Stack.Evaluation;

/// <summary>Ranking metrics at a cut-off k, for one query or averaged over a query set (see <see cref="RetrievalMetrics"/>).</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="HitRate">hit@k (its mean over queries is the hit rate).</param>
/// <param name="ReciprocalRank">RR@k (its mean over queries is MRR).</param>
/// <param name="Precision">precision@k.</param>
/// <param name="Recall">recall@k.</param>
/// <param name="AveragePrecision">AP@k (its mean over queries is MAP).</param>
/// <param name="Ndcg">nDCG@k.</param>
public sealed record RetrievalScores(double HitRate, double ReciprocalRank, double Precision, double Recall, double AveragePrecision, double Ndcg)
{
    /// <summary>Returns the mean of each metric over <paramref name="scores"/>; all zero when it is empty.</summary>
    /// <param name="scores">The per-query scores.</param>
    /// <returns>The mean scores.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> is <see langword="null"/>.</exception>
    public static RetrievalScores Mean(IReadOnlyCollection<RetrievalScores> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0)
        {
            return new RetrievalScores(0, 0, 0, 0, 0, 0);
        }

        return new RetrievalScores(
            scores.Average(s => s.HitRate),
            scores.Average(s => s.ReciprocalRank),
            scores.Average(s => s.Precision),
            scores.Average(s => s.Recall),
            scores.Average(s => s.AveragePrecision),
            scores.Average(s => s.Ndcg));
    }
}
