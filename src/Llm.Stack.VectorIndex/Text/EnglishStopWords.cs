namespace Llm.Stack.VectorIndex;

/// <summary>Lucene's English stop set (<c>EnglishAnalyzer.ENGLISH_STOP_WORDS_SET</c>).</summary>
internal static class EnglishStopWords
{
    private static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
        "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Words.GetAlternateLookup<ReadOnlySpan<char>>();

    public static bool Contains(ReadOnlySpan<char> word) => word.Length <= 5 && Lookup.Contains(word);
}
