namespace Llm.Stack.Evaluation;

/// <summary>
/// Ranking metrics of one ranked result list against relevance judgments: hit rate, reciprocal rank, precision, recall,
/// average precision and nDCG, all at a cut-off k.
/// </summary>
/// <remarks>
/// <para>Definitions (the usual information-retrieval ones, as in trec_eval):</para>
/// <list type="bullet">
/// <item><description>hit@k: 1 when a relevant item is in the top k, else 0.</description></item>
/// <item><description>RR@k: 1 / rank of the first relevant item in the top k, else 0 (its mean is MRR).</description></item>
/// <item><description>precision@k: relevant items in the top k divided by k (a list shorter than k is not rewarded).</description></item>
/// <item><description>recall@k: relevant items in the top k divided by the number of relevant items.</description></item>
/// <item><description>AP@k: the sum of precision@i over the ranks i ≤ k holding a relevant item, divided by the number of relevant items (its mean is MAP).</description></item>
/// <item><description>nDCG@k: Σ gainᵢ / log₂(i + 1) over the top k, divided by the same sum for the ideal ordering of the judgments; the gain is the relevance grade (1 for binary relevance).</description></item>
/// </list>
/// <para>An id that occurs again lower in the list counts only at its first rank. The type is stateless and thread-safe.</para>
/// </remarks>
public static class RetrievalMetrics
{
    /// <summary>Computes every metric of one ranked list at cut-off <paramref name="k"/>.</summary>
    /// <param name="rankedIds">The retrieved ids, best first.</param>
    /// <param name="relevance">The relevance grade of each relevant id (positive); ids not in it are not relevant.</param>
    /// <param name="k">The cut-off.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive.</exception>
    public static RetrievalScores Compute(IReadOnlyList<string> rankedIds, IReadOnlyDictionary<string, double> relevance, int k)
    {
        ArgumentNullException.ThrowIfNull(rankedIds);
        ArgumentNullException.ThrowIfNull(relevance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var hits = 0;
        var reciprocalRank = 0.0;
        var precisionSum = 0.0;
        var dcg = 0.0;
        var rank = 0;
        foreach (var id in rankedIds)
        {
            if (rank == k)
            {
                break;
            }

            if (id is null || !seen.Add(id))
            {
                continue; // a repeated id keeps its first rank only
            }

            rank++;
            if (relevance.TryGetValue(id, out var grade) && grade > 0)
            {
                hits++;
                if (reciprocalRank == 0)
                {
                    reciprocalRank = 1.0 / rank;
                }

                precisionSum += (double)hits / rank;
                dcg += grade / Math.Log2(rank + 1);
            }
        }

        var relevantCount = relevance.Count(r => r.Value > 0);
        var ideal = relevance.Values.Where(g => g > 0).OrderByDescending(g => g).Take(k).Select((g, i) => g / Math.Log2(i + 2)).Sum();
        return new RetrievalScores(
            HitRate: hits > 0 ? 1.0 : 0.0,
            ReciprocalRank: reciprocalRank,
            Precision: (double)hits / k,
            Recall: relevantCount == 0 ? 0.0 : (double)hits / relevantCount,
            AveragePrecision: relevantCount == 0 ? 0.0 : precisionSum / relevantCount,
            Ndcg: ideal == 0 ? 0.0 : dcg / ideal);
    }
}
