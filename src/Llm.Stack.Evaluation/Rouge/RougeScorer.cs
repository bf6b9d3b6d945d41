namespace Llm.Stack.Evaluation;

/// <summary>
/// Computes ROUGE-N (N from 1 to 9), ROUGE-L and ROUGE-Lsum exactly as Google's <c>rouge-score</c> package does
/// (<c>rouge_scorer.RougeScorer(rouge_types, use_stemmer).score(target, prediction)</c>).
/// </summary>
/// <remarks>
/// <para>
/// Tokenization is rouge-score's: lower-case, every run of characters outside <c>[a-z0-9]</c> becomes a separator,
/// and with <c>useStemmer</c> tokens longer than 3 characters are stemmed with NLTK's Porter stemmer
/// (<see cref="PorterStemmer"/>). Non-ASCII letters are therefore separators, as in rouge-score.
/// <c>rougeL</c> is the sentence-level LCS of the whole texts; <c>rougeLsum</c> splits both texts on newlines and
/// computes the summary-level union LCS of ROUGE-1.5.5 (each token counted at most as often as it occurs).
/// </para>
/// <para>Instances are immutable and safe to use concurrently from several threads.</para>
/// </remarks>
public sealed class RougeScorer
{
    private readonly string[] _rougeTypes;
    private readonly bool _useStemmer;

    /// <summary>Initializes a new instance of the <see cref="RougeScorer"/> class.</summary>
    /// <param name="rougeTypes">The ROUGE types to compute: <c>rouge1</c> … <c>rouge9</c>, <c>rougeL</c>, <c>rougeLsum</c>.</param>
    /// <param name="useStemmer">Whether to stem tokens longer than 3 characters with the Porter stemmer.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rougeTypes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="rougeTypes"/> is empty or holds an unknown type.</exception>
    public RougeScorer(IEnumerable<string> rougeTypes, bool useStemmer = false)
    {
        ArgumentNullException.ThrowIfNull(rougeTypes);
        _rougeTypes = [.. rougeTypes.Distinct(StringComparer.Ordinal)];
        if (_rougeTypes.Length == 0)
        {
            throw new ArgumentException("At least one ROUGE type is required.", nameof(rougeTypes));
        }

        foreach (var type in _rougeTypes)
        {
            if (type is not ("rougeL" or "rougeLsum") && NgramOrder(type) == 0)
            {
                throw new ArgumentException($"Invalid ROUGE type '{type}': expected rouge1 … rouge9, rougeL or rougeLsum.", nameof(rougeTypes));
            }
        }

        _useStemmer = useStemmer;
    }

    /// <summary>Gets the ROUGE types this scorer computes, in the order given.</summary>
    public IReadOnlyList<string> RougeTypes => _rougeTypes;

    /// <summary>Gets a value indicating whether tokens are stemmed.</summary>
    public bool UseStemmer => _useStemmer;

    /// <summary>Computes the ROUGE scores of <paramref name="prediction"/> against <paramref name="target"/>.</summary>
    /// <param name="target">The reference (ground truth) text.</param>
    /// <param name="prediction">The predicted text.</param>
    /// <returns>The score of each ROUGE type, keyed by its name.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public IReadOnlyDictionary<string, RougeScore> Score(string target, string prediction)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(prediction);

        int[]? targetIds = null;
        int[]? predictionIds = null;
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new Dictionary<string, RougeScore>(_rougeTypes.Length, StringComparer.Ordinal);
        foreach (var type in _rougeTypes)
        {
            if (type == "rougeLsum")
            {
                result[type] = SummaryLevelLcs(Sentences(target, vocabulary), Sentences(prediction, vocabulary));
                continue;
            }

            targetIds ??= ToIds(RougeTokenizer.Tokenize(target, _useStemmer), vocabulary);
            predictionIds ??= ToIds(RougeTokenizer.Tokenize(prediction, _useStemmer), vocabulary);
            result[type] = type == "rougeL" ? LcsScore(targetIds, predictionIds) : NgramScore(targetIds, predictionIds, NgramOrder(type));
        }

        return result;
    }

    internal static int NgramOrder(string type) =>
        type.Length == 6 && type.StartsWith("rouge", StringComparison.Ordinal) && type[5] is >= '1' and <= '9' ? type[5] - '0' : 0;

    internal static RougeScore NgramScore(int[] target, int[] prediction, int n)
    {
        var pairs = new Dictionary<(long Prefix, int Token), long>();
        var targetCounts = NgramCounts(target, n, pairs, out var targetTotal);
        var predictionCounts = NgramCounts(prediction, n, pairs, out var predictionTotal);
        var intersection = 0;
        foreach (var (ngram, count) in targetCounts)
        {
            intersection += Math.Min(count, predictionCounts.GetValueOrDefault(ngram));
        }

        var precision = (double)intersection / Math.Max(predictionTotal, 1);
        var recall = (double)intersection / Math.Max(targetTotal, 1);
        return RougeScore.FromPrecisionRecall(precision, recall);
    }

    internal static RougeScore LcsScore(int[] target, int[] prediction)
    {
        if (target.Length == 0 || prediction.Length == 0)
        {
            return default;
        }

        var lcs = LcsLength(target, prediction);
        return RougeScore.FromPrecisionRecall((double)lcs / prediction.Length, (double)lcs / target.Length);
    }

    internal static RougeScore SummaryLevelLcs(List<int[]> referenceSentences, List<int[]> candidateSentences)
    {
        if (referenceSentences.Count == 0 || candidateSentences.Count == 0)
        {
            return default;
        }

        var m = referenceSentences.Sum(s => s.Length);
        var n = candidateSentences.Sum(s => s.Length);
        if (m == 0 || n == 0)
        {
            return default;
        }

        // Token counts prevent double counting, as ROUGE-1.5.5 does.
        var referenceCounts = new Dictionary<int, int>();
        var candidateCounts = new Dictionary<int, int>();
        foreach (var s in referenceSentences)
        {
            foreach (var t in s)
            {
                referenceCounts[t] = referenceCounts.GetValueOrDefault(t) + 1;
            }
        }

        foreach (var s in candidateSentences)
        {
            foreach (var t in s)
            {
                candidateCounts[t] = candidateCounts.GetValueOrDefault(t) + 1;
            }
        }

        var hits = 0;
        var union = new SortedSet<int>();
        foreach (var reference in referenceSentences)
        {
            union.Clear();
            foreach (var candidate in candidateSentences)
            {
                LcsIndices(reference, candidate, union);
            }

            foreach (var index in union)
            {
                var t = reference[index];
                if (candidateCounts.GetValueOrDefault(t) > 0 && referenceCounts.GetValueOrDefault(t) > 0)
                {
                    hits++;
                    candidateCounts[t]--;
                    referenceCounts[t]--;
                }
            }
        }

        return RougeScore.FromPrecisionRecall((double)hits / n, (double)hits / m);
    }

    /// <summary>Adds to <paramref name="indices"/> the indices into <paramref name="reference"/> of one LCS, read back as rouge-score's <c>_backtrack_norec</c> does.</summary>
    internal static void LcsIndices(int[] reference, int[] candidate, ISet<int> indices)
    {
        var rows = reference.Length;
        var cols = candidate.Length;
        if (rows == 0 || cols == 0)
        {
            return;
        }

        var width = cols + 1;
        var table = new int[(rows + 1) * width];
        for (var i = 1; i <= rows; i++)
        {
            for (var j = 1; j <= cols; j++)
            {
                table[(i * width) + j] = reference[i - 1] == candidate[j - 1]
                    ? table[((i - 1) * width) + j - 1] + 1
                    : Math.Max(table[((i - 1) * width) + j], table[(i * width) + j - 1]);
            }
        }

        var r = rows;
        var c = cols;
        while (r > 0 && c > 0)
        {
            if (reference[r - 1] == candidate[c - 1])
            {
                indices.Add(r - 1);
                r--;
                c--;
            }
            else if (table[(r * width) + c - 1] > table[((r - 1) * width) + c])
            {
                c--;
            }
            else
            {
                r--;
            }
        }
    }

    internal static int LcsLength(int[] a, int[] b)
    {
        if (b.Length > a.Length)
        {
            (a, b) = (b, a);
        }

        // Two rows over the shorter sequence.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        foreach (var x in a)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = x == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static Dictionary<long, int> NgramCounts(int[] tokens, int n, Dictionary<(long Prefix, int Token), long> pairs, out int total)
    {
        total = Math.Max(0, tokens.Length - n + 1);
        var counts = new Dictionary<long, int>(total);
        for (var start = 0; start + n <= tokens.Length; start++)
        {
            // Unigram ids are the token ids (non-negative); an n-gram's id is the interned pair (id of its first
            // n-1 tokens, its last token), numbered downwards from -1, so ids are exact and never collide.
            long id = tokens[start];
            for (var k = 1; k < n; k++)
            {
                var key = (id, tokens[start + k]);
                if (!pairs.TryGetValue(key, out var pairId))
                {
                    pairId = -1 - pairs.Count;
                    pairs.Add(key, pairId);
                }

                id = pairId;
            }

            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    private List<int[]> Sentences(string text, Dictionary<string, int> vocabulary)
    {
        var sentences = new List<int[]>();
        foreach (var sentence in text.Split('\n'))
        {
            if (sentence.Length > 0)
            {
                sentences.Add(ToIds(RougeTokenizer.Tokenize(sentence, _useStemmer), vocabulary));
            }
        }

        return sentences;
    }

    private static int[] ToIds(List<string> tokens, Dictionary<string, int> vocabulary)
    {
        var ids = new int[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            if (!vocabulary.TryGetValue(tokens[i], out var id))
            {
                id = vocabulary.Count;
                vocabulary.Add(tokens[i], id);
            }

            ids[i] = id;
        }

        return ids;
    }
}
