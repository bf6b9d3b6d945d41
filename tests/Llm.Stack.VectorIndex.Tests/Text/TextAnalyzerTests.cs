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

    // Pairs from Porter's paper ("An algorithm for suffix stripping", 1980) and the voc.txt/output.txt sample of his
    // reference implementation (https://tartarus.org/martin/PorterStemmer/), which Lucene's PorterStemFilter follows.
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "ti")]
    [InlineData("caress", "caress")]
    [InlineData("cats", "cat")]
    [InlineData("feed", "feed")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("bled", "bled")]
    [InlineData("motoring", "motor")]
    [InlineData("sing", "sing")]
    [InlineData("conflated", "conflat")]
    [InlineData("troubled", "troubl")]
    [InlineData("sized", "size")]
    [InlineData("hopping", "hop")]
    [InlineData("tanned", "tan")]
    [InlineData("falling", "fall")]
    [InlineData("hissing", "hiss")]
    [InlineData("fizzed", "fizz")]
    [InlineData("failing", "fail")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("sky", "sky")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("rational", "ration")]
    [InlineData("valenci", "valenc")]
    [InlineData("hesitanci", "hesit")]
    [InlineData("digitizer", "digit")]
    [InlineData("conformabli", "conform")]
    [InlineData("radicalli", "radic")]
    [InlineData("differentli", "differ")]
    [InlineData("vileli", "vile")]
    [InlineData("analogousli", "analog")]
    [InlineData("vietnamization", "vietnam")]
    [InlineData("predication", "predic")]
    [InlineData("operator", "oper")]
    [InlineData("feudalism", "feudal")]
    [InlineData("decisiveness", "decis")]
    [InlineData("hopefulness", "hope")]
    [InlineData("callousness", "callous")]
    [InlineData("formaliti", "formal")]
    [InlineData("sensitiviti", "sensit")]
    [InlineData("sensibiliti", "sensibl")]
    [InlineData("triplicate", "triplic")]
    [InlineData("formative", "form")]
    [InlineData("formalize", "formal")]
    [InlineData("electriciti", "electr")]
    [InlineData("electrical", "electr")]
    [InlineData("hopeful", "hope")]
    [InlineData("goodness", "good")]
    [InlineData("revival", "reviv")]
    [InlineData("allowance", "allow")]
    [InlineData("inference", "infer")]
    [InlineData("airliner", "airlin")]
    [InlineData("gyroscopic", "gyroscop")]
    [InlineData("adjustable", "adjust")]
    [InlineData("defensible", "defens")]
    [InlineData("irritant", "irrit")]
    [InlineData("replacement", "replac")]
    [InlineData("adjustment", "adjust")]
    [InlineData("dependent", "depend")]
    [InlineData("adoption", "adopt")]
    [InlineData("homologou", "homolog")]
    [InlineData("communism", "commun")]
    [InlineData("activate", "activ")]
    [InlineData("angulariti", "angular")]
    [InlineData("homologous", "homolog")]
    [InlineData("effective", "effect")]
    [InlineData("bowdlerize", "bowdler")]
    [InlineData("probate", "probat")]
    [InlineData("rate", "rate")]
    [InlineData("cease", "ceas")]
    [InlineData("controll", "control")]
    [InlineData("roll", "roll")]
    [InlineData("generalizations", "gener")]
    [InlineData("oscillators", "oscil")]
    [InlineData("connections", "connect")]
    [InlineData("by", "by")]
    [InlineData("café", "cafe")]
    [InlineData("x86", "x86")]
    public void Porter_stemmer_matches_the_reference_outputs(string word, string stem)
    {
        Assert.Equal([stem], Analyze(word, new Bm25Options { RemoveStopWords = false, Stemmer = Bm25Stemmer.Porter }));
    }
}
