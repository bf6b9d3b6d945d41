namespace Llm.Stack.Benchmarks.Text;

/// <summary>
/// The rank_bm25 approach as a baseline: one term-frequency dictionary per document, every document scored for every
/// query (Lucene's BM25 formula, the same as <c>Bm25Index</c>), then a full sort. Whitespace tokens only.
/// </summary>
internal sealed class NaiveBm25
{
    private readonly Dictionary<string, int>[] _frequencies;
    private readonly int[] _lengths;
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly double _averageLength;

    public NaiveBm25(string[] documents)
    {
        _frequencies = new Dictionary<string, int>[documents.Length];
        _lengths = new int[documents.Length];
        long total = 0;
        for (int d = 0; d < documents.Length; d++)
        {
            var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
            string[] words = documents[d].Split(' ');
            foreach (string word in words)
            {
                frequencies[word] = frequencies.GetValueOrDefault(word) + 1;
            }

            foreach (string word in frequencies.Keys)
            {
                _documentFrequency[word] = _documentFrequency.GetValueOrDefault(word) + 1;
            }

            _frequencies[d] = frequencies;
            _lengths[d] = words.Length;
            total += words.Length;
        }

        _averageLength = (double)total / documents.Length;
    }

    public int[] Search(string[] terms, int top)
    {
        const double K1 = 1.2;
        const double B = 0.75;
        int n = _frequencies.Length;
        var scores = new double[n];
        foreach (string term in terms)
        {
            double df = _documentFrequency.GetValueOrDefault(term);
            double idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
            for (int d = 0; d < n; d++)
            {
                if (_frequencies[d].TryGetValue(term, out int tf))
                {
                    scores[d] += idf * tf / (tf + (K1 * (1 - B + (B * _lengths[d] / _averageLength))));
                }
            }
        }

        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(scores, order);
        int count = Math.Min(top, n);
        int[] result = new int[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = order[n - 1 - i];
        }

        return result;
    }
}
