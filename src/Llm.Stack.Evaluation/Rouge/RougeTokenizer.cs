using System.Collections.Concurrent;
using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>
/// rouge-score's default tokenizer (<c>rouge/tokenize.py</c>): lower-case, replace every run of characters outside
/// <c>[a-z0-9]</c> with a space, split, and — with the stemmer — stem tokens longer than 3 characters with NLTK's
/// Porter stemmer.
/// </summary>
internal static class RougeTokenizer
{
    private const int MaxCachedStems = 100_000;
    private static readonly ConcurrentDictionary<string, string> StemCache = new(StringComparer.Ordinal);

    public static List<string> Tokenize(string text, bool stem)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var c in text)
        {
            // Python's str.lower() maps exactly three non-[A-Za-z0-9] characters to text containing [a-z0-9]:
            // U+212A KELVIN SIGN -> "k", and U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE -> "i" + U+0307.
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                current.Append(c);
            }
            else if (c is >= 'A' and <= 'Z')
            {
                current.Append((char)(c + 32));
            }
            else if (c == '\u212A')
            {
                current.Append('k');
            }
            else if (c == '\u0130')
            {
                current.Append('i');
                Flush(current, tokens, stem);
            }
            else
            {
                Flush(current, tokens, stem);
            }
        }

        Flush(current, tokens, stem);
        return tokens;
    }

    private static void Flush(StringBuilder current, List<string> tokens, bool stem)
    {
        if (current.Length == 0)
        {
            return;
        }

        var token = current.ToString();
        current.Clear();
        if (stem && token.Length > 3)
        {
            if (!StemCache.TryGetValue(token, out var stemmed))
            {
                stemmed = PorterStemmer.Stem(token);
                if (StemCache.Count < MaxCachedStems)
                {
                    StemCache.TryAdd(token, stemmed);
                }
            }

            token = stemmed;
        }

        if (token.Length > 0)
        {
            tokens.Add(token);
        }
    }
}
