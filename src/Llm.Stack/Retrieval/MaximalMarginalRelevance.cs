using System.Numerics.Tensors;

namespace Llm.Stack;

/// <summary>Maximal marginal relevance (Carbonell and Goldstein, 1998): picks items relevant to a query but unlike those already picked.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class MaximalMarginalRelevance
{
    /// <summary>
    /// Selects up to <paramref name="count"/> candidates, each maximising
    /// <c>λ·sim(query, c) − (1 − λ)·max sim(c, picked)</c>, with cosine similarity.
    /// </summary>
    /// <param name="query">The query embedding.</param>
    /// <param name="candidates">The candidate embeddings, all of the query's length.</param>
    /// <param name="count">The number of candidates to select.</param>
    /// <param name="lambda">The trade-off: 1 is pure relevance, 0 pure diversity. 0.5 is common.</param>
    /// <returns>The indices of the selected candidates, in the order they were picked.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="candidates"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or <paramref name="lambda"/> is outside [0, 1].</exception>
    /// <exception cref="ArgumentException">A candidate's length differs from the query's.</exception>
    public static IReadOnlyList<int> Select(ReadOnlySpan<float> query, IReadOnlyList<ReadOnlyMemory<float>> candidates, int count, double lambda = 0.5)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (lambda is < 0 or > 1 || double.IsNaN(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Lambda must lie in [0, 1].");
        }

        int n = candidates.Count;
        var relevance = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (candidates[i].Length != query.Length)
            {
                throw new ArgumentException($"Candidate {i} has {candidates[i].Length} dimensions; the query has {query.Length}.", nameof(candidates));
            }

            relevance[i] = Cosine(query, candidates[i].Span);
        }

        return SelectCore(relevance, (a, b) => Cosine(candidates[a].Span, candidates[b].Span), count, lambda);
    }

    internal static List<int> SelectCore(double[] relevance, Func<int, int, double> similarity, int count, double lambda)
    {
        int n = relevance.Length;
        count = Math.Min(count, n);
        var picked = new List<int>(count);
        var maxSimilarity = new double[n];
        var taken = new bool[n];
        Array.Fill(maxSimilarity, double.NegativeInfinity);
        while (picked.Count < count)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                if (taken[i])
                {
                    continue;
                }

                double redundancy = picked.Count == 0 ? 0 : maxSimilarity[i];
                double score = (lambda * relevance[i]) - ((1 - lambda) * redundancy);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = i;
                }
            }

            taken[best] = true;
            picked.Add(best);
            for (int i = 0; i < n; i++)
            {
                if (!taken[i])
                {
                    maxSimilarity[i] = Math.Max(maxSimilarity[i], similarity(i, best));
                }
            }
        }

        return picked;
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float s = TensorPrimitives.CosineSimilarity(a, b);
        return float.IsNaN(s) ? 0 : s;
    }
}
