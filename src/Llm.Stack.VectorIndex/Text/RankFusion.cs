namespace Llm.Stack.VectorIndex;

/// <summary>Combines several rankings of the same kind of items (vector and keyword results, or results for several query variants) into one.</summary>
/// <remarks>
/// <para>
/// <b>Reciprocal rank fusion</b> (Cormack, Clarke and Büttcher, SIGIR 2009): each item scores
/// <c>Σ over rankings r containing it: w(r) / (k + rank_r(item))</c> with 1-based ranks, k = 60 by default and all weights 1
/// unless given. Only positions matter, so rankings with incomparable scores (BM25 and cosine similarity) fuse well.
/// This is the 1-based formula of the paper and of Elasticsearch, Azure AI Search and Weaviate's <c>rankedFusion</c>
/// (LlamaIndex's <c>QueryFusionRetriever</c> counts ranks from 0).
/// </para>
/// <para>
/// <b>Relative score fusion</b> (Weaviate's <c>relativeScoreFusion</c>, LlamaIndex's <c>FUSION_MODES.RELATIVE_SCORE</c>):
/// the scores of each ranking are min-max normalized to [0, 1] (<c>(s − min) / (max − min)</c>; when all of a ranking's
/// scores are equal each becomes 1, as in Weaviate), multiplied by the ranking's weight, and summed per item. Weights
/// default to equal and are normalized to sum to 1 (as in LlamaIndex), so fused scores lie in [0, 1].
/// </para>
/// <para>
/// For both methods: an item that occurs more than once in one ranking counts once, at its first (best) position; the
/// result is ordered by descending fused score, and items whose scores are equal (within a relative 1e-12, so that
/// summation order does not matter) by their best rank in any ranking, then by first appearance (scanning the rankings
/// in order, each from its top). All members are pure functions and thread-safe.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// IReadOnlyList&lt;string&gt; vector = ["a", "b", "c"];
/// IReadOnlyList&lt;string&gt; keyword = ["c", "a", "d"];
/// var fused = RankFusion.ReciprocalRank([vector, keyword]);
/// // a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62, d: 1/63 → a, c, b, d.
/// </code>
/// </example>
public static class RankFusion
{
    /// <summary>The default k of reciprocal rank fusion, from the original paper.</summary>
    public const int DefaultK = 60;

    private const double TieTolerance = 1e-12;

    /// <summary>Fuses rankings by reciprocal rank fusion, optionally weighted.</summary>
    /// <typeparam name="T">The type of the ranked items.</typeparam>
    /// <param name="rankings">The rankings, each best first. Empty rankings are allowed.</param>
    /// <param name="k">The rank constant: larger values flatten the difference between top and lower ranks. Must not be negative.</param>
    /// <param name="top">The maximum number of results; <see langword="null"/> for all fused items.</param>
    /// <param name="comparer">The item equality comparer; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    /// <param name="weights">
    /// One weight per ranking (finite, not negative), used as given (not normalized); <see langword="null"/> for weight 1
    /// everywhere. An item seen only in zero-weight rankings is still returned, with score 0.
    /// </param>
    /// <returns>The fused items with scores <c>Σ weight / (k + rank)</c>, best first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rankings"/>, one of its rankings, or an item is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> does not have one finite, non-negative weight per ranking.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is negative or <paramref name="top"/> is zero or negative.</exception>
    /// <example>
    /// <code>
    /// // Hybrid search: vector results count twice as much as keyword results.
    /// var fused = RankFusion.ReciprocalRank([vectorKeys, keywordKeys], top: 10, weights: [2.0, 1.0]);
    /// </code>
    /// </example>
    public static IReadOnlyList<FusedResult<T>> ReciprocalRank<T>(
        IReadOnlyList<IReadOnlyList<T>> rankings,
        int k = DefaultK,
        int? top = null,
        IEqualityComparer<T>? comparer = null,
        IReadOnlyList<double>? weights = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(rankings);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ValidateTop(top);
        if (weights is not null)
        {
            ValidateWeights(weights, rankings.Count);
        }

        var accumulator = new Accumulator<T>(comparer);
        for (int r = 0; r < rankings.Count; r++)
        {
            IReadOnlyList<T> ranking = rankings[r] ?? throw new ArgumentNullException(nameof(rankings), $"Ranking {r} is null.");
            double weight = weights is null ? 1.0 : weights[r];
            accumulator.BeginRanking();
            for (int i = 0; i < ranking.Count; i++)
            {
                T item = ranking[i] ?? throw new ArgumentNullException(nameof(rankings), $"Ranking {r} has a null item at position {i}.");
                int rank = i + 1;
                accumulator.Add(item, rank, weight / ((double)k + rank));
            }
        }

        return accumulator.Result(top);
    }

    /// <summary>Fuses scored rankings by relative score fusion: per-ranking min-max normalization, then a weighted sum.</summary>
    /// <typeparam name="T">The type of the ranked items.</typeparam>
    /// <param name="rankings">The rankings as (item, score) pairs, higher scores better, each best first. Empty rankings are allowed and ignored.</param>
    /// <param name="weights">
    /// One weight per ranking (finite, not negative, not all zero), normalized to sum to 1; <see langword="null"/> for equal weights.
    /// For hybrid search with Weaviate's alpha, pass <c>[alpha, 1 − alpha]</c> for (vector, keyword).
    /// </param>
    /// <param name="top">The maximum number of results; <see langword="null"/> for all fused items.</param>
    /// <param name="comparer">The item equality comparer; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    /// <returns>The fused items with scores in [0, 1], best first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rankings"/>, one of its rankings, or an item is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A score is NaN or infinite, or <paramref name="weights"/> is not one finite, non-negative weight per ranking with a positive sum.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is zero or negative.</exception>
    public static IReadOnlyList<FusedResult<T>> RelativeScore<T>(
        IReadOnlyList<IReadOnlyList<(T Item, double Score)>> rankings, IReadOnlyList<double>? weights = null, int? top = null, IEqualityComparer<T>? comparer = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(rankings);
        ValidateTop(top);
        double weightSum = rankings.Count;
        if (weights is not null)
        {
            ValidateWeights(weights, rankings.Count);
            weightSum = 0;
            foreach (double w in weights)
            {
                weightSum += w;
            }

            if (rankings.Count > 0 && weightSum <= 0)
            {
                throw new ArgumentException("At least one weight must be positive.", nameof(weights));
            }
        }

        var accumulator = new Accumulator<T>(comparer);
        for (int r = 0; r < rankings.Count; r++)
        {
            IReadOnlyList<(T Item, double Score)> ranking = rankings[r] ?? throw new ArgumentNullException(nameof(rankings), $"Ranking {r} is null.");
            if (ranking.Count == 0)
            {
                continue;
            }

            double min = double.PositiveInfinity;
            double max = double.NegativeInfinity;
            for (int i = 0; i < ranking.Count; i++)
            {
                double score = ranking[i].Score;
                if (!double.IsFinite(score))
                {
                    throw new ArgumentException($"Ranking {r} has a score of {score} at position {i}; scores must be finite.", nameof(rankings));
                }

                min = Math.Min(min, score);
                max = Math.Max(max, score);
            }

            double weight = (weights is null ? 1.0 : weights[r]) / weightSum;
            double range = max - min;
            accumulator.BeginRanking();
            for (int i = 0; i < ranking.Count; i++)
            {
                (T item, double score) = ranking[i];
                if (item is null)
                {
                    throw new ArgumentNullException(nameof(rankings), $"Ranking {r} has a null item at position {i}.");
                }

                double normalized = range > 0 ? (score - min) / range : 1.0;
                accumulator.Add(item, i + 1, weight * normalized);
            }
        }

        return accumulator.Result(top);
    }

    private static void ValidateTop(int? top)
    {
        if (top is int value)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, nameof(top));
        }
    }

    private static void ValidateWeights(IReadOnlyList<double> weights, int rankingCount)
    {
        if (weights.Count != rankingCount)
        {
            throw new ArgumentException($"There are {weights.Count} weights for {rankingCount} rankings; give one weight per ranking.", nameof(weights));
        }

        for (int i = 0; i < weights.Count; i++)
        {
            if (!double.IsFinite(weights[i]) || weights[i] < 0)
            {
                throw new ArgumentException($"Weight {i} is {weights[i]}; weights must be finite and not negative.", nameof(weights));
            }
        }
    }

    private sealed class Accumulator<T>
        where T : notnull
    {
        private readonly Dictionary<T, int> _index;
        private readonly List<Entry> _entries = [];
        private int _ranking = -1;

        public Accumulator(IEqualityComparer<T>? comparer)
        {
            _index = new Dictionary<T, int>(comparer ?? EqualityComparer<T>.Default);
        }

        public void BeginRanking() => _ranking++;

        public void Add(T item, int rank, double contribution)
        {
            if (_index.TryGetValue(item, out int at))
            {
                Entry entry = _entries[at];
                if (entry.LastRanking == _ranking)
                {
                    // A repeat within one ranking: only the first (best) position counts.
                    return;
                }

                entry.Score += contribution;
                entry.BestRank = Math.Min(entry.BestRank, rank);
                entry.LastRanking = _ranking;
                _entries[at] = entry;
                return;
            }

            _index.Add(item, _entries.Count);
            _entries.Add(new Entry { Item = item, Score = contribution, BestRank = rank, Order = _entries.Count, LastRanking = _ranking });
        }

        public FusedResult<T>[] Result(int? top)
        {
            Entry[] entries = [.. _entries];
            Array.Sort(entries, Compare);
            int count = Math.Min(entries.Length, top ?? int.MaxValue);
            var result = new FusedResult<T>[count];
            for (int i = 0; i < count; i++)
            {
                result[i] = new FusedResult<T>(entries[i].Item, entries[i].Score);
            }

            return result;
        }

        private static int Compare(Entry x, Entry y)
        {
            double tolerance = TieTolerance * Math.Max(Math.Abs(x.Score), Math.Abs(y.Score));
            if (Math.Abs(x.Score - y.Score) > tolerance)
            {
                return y.Score.CompareTo(x.Score);
            }

            int byRank = x.BestRank.CompareTo(y.BestRank);
            return byRank != 0 ? byRank : x.Order.CompareTo(y.Order);
        }

        private struct Entry
        {
            public T Item;
            public double Score;
            public int BestRank;
            public int Order;
            public int LastRanking;
        }
    }
}
