namespace Llm.Stack.Benchmarks.Text;

/// <summary>
/// A synthetic corpus of short English-like documents: words drawn from a Zipf distribution (s = 1) over a 50k-word
/// vocabulary of random lower-case letter strings, 8 to 40 words per document (a sentence or short chunk), and queries
/// of 2 to 4 words drawn from the same distribution (so they hit both common and rare terms), from a fixed seed.
/// </summary>
internal sealed class Bm25Corpus
{
    public Bm25Corpus(int documents, int queries, int seed = 12345)
    {
        var random = new Random(seed);
        var vocabulary = new HashSet<string>(StringComparer.Ordinal);
        while (vocabulary.Count < 50_000)
        {
            int length = random.Next(3, 11);
            // No trailing 's', so that the default stemmer leaves the words alone and both engines index the same terms.
            vocabulary.Add(string.Create(length, random, static (span, r) =>
            {
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = (char)('a' + r.Next(26));
                }

                if (span[^1] == 's')
                {
                    span[^1] = 't';
                }
            }));
        }

        Vocabulary = [.. vocabulary];
        var cumulative = new double[Vocabulary.Length];
        double sum = 0;
        for (int i = 0; i < cumulative.Length; i++)
        {
            sum += 1.0 / (i + 1);
            cumulative[i] = sum;
        }

        string Draw()
        {
            double u = random.NextDouble() * sum;
            int index = Array.BinarySearch(cumulative, u);
            return Vocabulary[index < 0 ? ~index : index];
        }

        Documents = new string[documents];
        for (int d = 0; d < documents; d++)
        {
            Documents[d] = string.Join(' ', Enumerable.Range(0, random.Next(8, 41)).Select(_ => Draw()));
        }

        Queries = new string[queries][];
        for (int q = 0; q < queries; q++)
        {
            Queries[q] = Enumerable.Range(0, random.Next(2, 5)).Select(_ => Draw()).Distinct().ToArray();
        }
    }

    public string[] Vocabulary { get; }

    public string[] Documents { get; }

    public string[][] Queries { get; }
}
