namespace Llm.Stack.VectorIndex.Tests;

/// <summary>The index against a brute-force reference that applies the BM25 formula literally to every document.</summary>
public class Bm25IndexReferenceTests
{
    private static List<(int Key, double Score)> Reference(IReadOnlyDictionary<int, string[]> documents, string[] query, double k1, double b)
    {
        int n = documents.Count;
        double avgdl = documents.Values.Sum(d => d.Length) / (double)n;
        var results = new List<(int Key, double Score)>();
        foreach ((int key, string[] words) in documents)
        {
            double score = 0;
            foreach (string term in query)
            {
                int df = documents.Values.Count(d => d.Contains(term));
                int tf = words.Count(w => w == term);
                if (tf == 0)
                {
                    continue;
                }

                double idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
                score += idf * tf / (tf + (k1 * (1 - b + (b * words.Length / avgdl))));
            }

            if (score > 0)
            {
                results.Add((key, score));
            }
        }

        return results;
    }

    [Theory]
    [InlineData(1, 1.2, 0.75)]
    [InlineData(2, 0.5, 1.0)]
    [InlineData(3, 2.0, 0.0)]
    [InlineData(4, 0.0, 0.5)]
    public void Scores_and_order_equal_a_brute_force_reference(int seed, double k1, double b)
    {
        var random = new Random(seed);
        string[] vocabulary = Enumerable.Range(0, 40).Select(i => "t" + i).ToArray();
        string Word() => vocabulary[(int)Math.Min(vocabulary.Length - 1, -Math.Log(1 - random.NextDouble()) * 8)];

        var documents = new Dictionary<int, string[]>();
        var index = new Bm25Index<int>(new Bm25Options { K1 = k1, B = b, RemoveStopWords = false, Stemmer = Bm25Stemmer.None });
        for (int step = 0; step < 400; step++)
        {
            int key = random.Next(150);
            if (random.Next(5) == 0)
            {
                documents.Remove(key);
                index.Remove(key);
                continue;
            }

            string[] words = Enumerable.Range(0, random.Next(1, 25)).Select(_ => Word()).ToArray();
            documents[key] = words;
            index.Upsert(key, string.Join(' ', words));
        }

        for (int q = 0; q < 50; q++)
        {
            string[] query = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Word()).ToArray();
            List<(int Key, double Score)> expected = Reference(documents, query, k1, b);
            int top = random.Next(1, 20);
            IReadOnlyList<KeywordMatch<int>> actual = index.Search(string.Join(' ', query), top);

            Assert.Equal(Math.Min(top, expected.Count), actual.Count);
            var expectedScores = expected.ToDictionary(e => e.Key, e => e.Score);
            foreach (KeywordMatch<int> match in actual)
            {
                Assert.Equal(expectedScores[match.Key], match.Score, 1e-9);
            }

            // Every returned score is at least as high as every score left out (up to rounding).
            double lowest = actual.Count == 0 ? double.PositiveInfinity : actual[^1].Score;
            var returned = actual.Select(m => m.Key).ToHashSet();
            Assert.All(expected.Where(e => !returned.Contains(e.Key)), e => Assert.True(e.Score <= lowest + 1e-9));
        }
    }
}
