namespace Llm.Stack;

/// <summary>Word and sentence splitting used by the extractive answerer, citation quotes, few-shot overlap and reranking heuristics.</summary>
internal static class TextSegmentation
{
    private static readonly SentenceSplitter Splitter = new();

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
        "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "there",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "do", "does", "did", "has", "have",
        "had", "not", "no", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "i", "you",
        "he", "she", "we", "they", "them", "his", "her", "their", "our", "your", "my", "me", "us", "so", "than",
        "then", "into", "about", "also", "any", "all", "some", "such", "only", "more", "most", "other", "s",
    };

    /// <summary>Returns the lower-cased words of <paramref name="text"/> that are not stop words.</summary>
    public static List<string> ContentWords(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            int start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                string word = text.Substring(start, i - start).ToLowerInvariant();
                if (!StopWords.Contains(word))
                {
                    words.Add(Stem(word));
                }
            }
        }

        return words;
    }

    /// <summary>A very light suffix stripper so that "rivers" matches "river".</summary>
    private static string Stem(string word)
    {
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return string.Concat(word.AsSpan(0, word.Length - 3), "y");
        }

        if (word.Length > 3 && word[^1] == 's' && word[^2] != 's')
        {
            return word[..^1];
        }

        return word;
    }

    /// <summary>Splits <paramref name="text"/> into sentence ranges (start, length), trimmed of white space.</summary>
    public static List<(int Start, int Length)> Sentences(string text)
    {
        // Lines first (a Markdown heading or a table row is its own unit), then the chunkers' sentence splitter
        // within each line, so that answers and citations cut sentences exactly as the SentenceChunker does.
        var result = new List<(int, int)>();
        var spans = new List<(int Start, int End)>();
        int lineStart = 0;
        while (lineStart <= text.Length)
        {
            int newline = text.IndexOf('\n', lineStart);
            int lineEnd = newline < 0 ? text.Length : newline;
            spans.Clear();
            Splitter.Split(text, lineStart, lineEnd, spans);
            foreach ((int s, int e) in spans)
            {
                Add(result, text, s, e);
            }

            if (newline < 0)
            {
                break;
            }

            lineStart = newline + 1;
        }

        return result;
    }

    private static void Add(List<(int, int)> result, string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            result.Add((start, end - start));
        }
    }

    /// <summary>The fraction of <paramref name="query"/>'s distinct words found in <paramref name="candidate"/>, weighted by <paramref name="weights"/> when given.</summary>
    public static double Overlap(HashSet<string> query, List<string> candidate, Func<string, double>? weights = null)
    {
        if (query.Count == 0 || candidate.Count == 0)
        {
            return 0;
        }

        double total = 0;
        double hit = 0;
        var seen = new HashSet<string>(candidate, StringComparer.Ordinal);
        foreach (string word in query)
        {
            double w = weights?.Invoke(word) ?? 1.0;
            total += w;
            if (seen.Contains(word))
            {
                hit += w;
            }
        }

        return total == 0 ? 0 : hit / total;
    }
}
