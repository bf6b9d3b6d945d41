namespace Llm.Stack.VectorIndex;

/// <summary>Harman's S-stemmer (1991), the English plural stemmer of Lucene's <c>EnglishMinimalStemFilter</c>.</summary>
internal static class EnglishMinimalStemmer
{
    /// <summary>Stems <paramref name="word"/> in place and returns its new length.</summary>
    public static int Stem(Span<char> word)
    {
        int n = word.Length;
        if (n < 3 || word[n - 1] != 's')
        {
            return n;
        }

        char beforeS = word[n - 2];
        if (beforeS is 'u' or 's')
        {
            // "status", "class": not plurals.
            return n;
        }

        if (beforeS == 'e')
        {
            char beforeEs = word[n - 3];
            if (beforeEs == 'i' && n > 3 && word[n - 4] is not ('a' or 'e'))
            {
                // "queries" -> "query".
                word[n - 3] = 'y';
                return n - 2;
            }

            if (beforeEs is 'i' or 'a' or 'o' or 'e')
            {
                // "aies", "eies", "aes", "oes", "ees": left alone.
                return n;
            }
        }

        // "documents" -> "document", "indexes" -> "indexe".
        return n - 1;
    }
}
