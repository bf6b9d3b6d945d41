namespace Llm.Stack.VectorIndex.Tests;

public class TextAnalyzerTests
{
    private static string[] Analyze(string text, Bm25Options? options = null)
    {
        var tokens = new TokenList();
        new TextAnalyzer(options ?? new Bm25Options()).Analyze(text, tokens);
        return Enumerable.Range(0, tokens.Count).Select(i => tokens[i].ToString()).ToArray();
    }

    private static Bm25Options Plain() => new() { RemoveStopWords = false, Stemmer = Bm25Stemmer.None, FoldDiacritics = false };

    [Fact]
    public void Splits_on_non_word_characters_and_lower_cases()
    {
        Assert.Equal(["hello", "world", "foo", "bar", "x2", "snake", "case"], Analyze("Hello, WORLD! foo-bar (x2) snake_case", Plain()));
    }

    [Fact]
    public void Keeps_numbers_with_separators_and_joins_apostrophes()
    {
        Assert.Equal(["pi", "is", "3.14", "and", "1,000", "dont"], Analyze("Pi is 3.14 and 1,000. Don't", Plain()));
        Assert.Equal(["john", "book", "it", "end"], Analyze("John's book, it’s end.", Plain()));
        Assert.Equal(["rock", "n", "roll"], Analyze("rock 'n' roll", Plain()));
    }

    [Fact]
    public void Handles_unicode_letters_and_cjk()
    {
        Assert.Equal(["straße", "ελληνικά", "русский", "東", "京", "タ", "ワ", "ー"], Analyze("Straße Ελληνικά Русский 東京タワー", Plain()));

        // Supplementary-plane letters (𝐀 is a letter; 😀 is not) and a lone surrogate.
        Assert.Equal(["a𝐀b", "c"], Analyze("a𝐀b 😀 c\uD800", Plain()));
    }

    [Fact]
    public void Normalizes_to_form_c_and_folds_diacritics_when_asked()
    {
        // "é" precomposed and as e + combining acute.
        Assert.Equal(["café", "café"], Analyze("café cafe\u0301", Plain()));
        var fold = Plain();
        fold.FoldDiacritics = true;
        Assert.Equal(["cafe", "cafe", "strasse", "lodz", "aeon", "oresund"], Analyze("café cafe\u0301 Straße Łódź Æon Øresund", fold));
    }

    [Fact]
    public void Removes_english_stop_words_when_asked()
    {
        Assert.Equal(["quick", "fox", "over", "dog"], Analyze("The quick fox is over the dog", new Bm25Options { Stemmer = Bm25Stemmer.None }));
    }

    [Theory]
    [InlineData("queries", "query")]
    [InlineData("documents", "document")]
    [InlineData("boxes", "boxe")]
    [InlineData("status", "status")]
    [InlineData("class", "class")]
    [InlineData("ties", "ty")] // Harman's rule is blind to this one, as in Lucene.
    [InlineData("keys", "key")]
    [InlineData("plays", "play")]
    [InlineData("heroes", "heroes")]
    [InlineData("is", "is")]
    [InlineData("bus", "bus")]
    public void English_minimal_stemmer_follows_harman(string word, string stem)
    {
        Assert.Equal([stem], Analyze(word, new Bm25Options { RemoveStopWords = false }));
    }

    [Fact]
    public void Skips_words_longer_than_the_limit()
    {
        var options = Plain();
        options.MaxTokenLength = 5;
        Assert.Equal(["short", "ok"], Analyze("short toolong ok", options));
        Assert.Equal(["x"], Analyze(new string('a', 10_000) + " x", Plain()));
    }
}
