using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class BleuScorerTests
{
    [Fact]
    public void Identical_texts_score_100()
    {
        var score = new BleuScorer().SentenceScore("The quick brown fox jumps over the lazy dog.", ["The quick brown fox jumps over the lazy dog."]);

        Assert.Equal(100.0, score.Score, 1e-9);
        Assert.Equal(1.0, score.BrevityPenalty);
        Assert.All(score.Precisions, p => Assert.Equal(100.0, p, 1e-9));
    }

    [Fact]
    public void Empty_hypothesis_scores_zero_with_zero_brevity_penalty()
    {
        var score = new BleuScorer().SentenceScore(string.Empty, ["a reference"]);

        Assert.Equal(0.0, score.Score);
        Assert.Equal(0.0, score.BrevityPenalty);
        Assert.Equal(0, score.HypothesisLength);
        Assert.Equal(2, score.ReferenceLength);
    }

    [Fact]
    public void No_overlap_scores_zero()
    {
        Assert.Equal(0.0, new BleuScorer().CorpusScore(["alpha beta gamma delta"], [["one two three four"]]).Score);
    }

    [Fact]
    public void Closest_reference_length_prefers_the_shorter_on_a_tie()
    {
        // Hypothesis of 4 tokens, references of 3 and 5 tokens: both differ by one; sacreBLEU takes the shorter (3).
        var score = new BleuScorer().SentenceScore("a b c d", ["a b c", "a b c d e"]);

        Assert.Equal(3, score.ReferenceLength);
        Assert.Equal(1.0, score.BrevityPenalty);
    }

    [Fact]
    public void Clipping_counts_each_reference_ngram_at_most_its_maximum_count_over_references()
    {
        // "the the the" against "the cat" and "the the": unigram "the" is clipped to 2 (max over references).
        var score = new BleuScorer(new BleuOptions { Tokenizer = BleuTokenizer.None }).SentenceScore("the the the", ["the cat", "the the"]);

        Assert.Equal(2, score.Counts[0]);
        Assert.Equal(3, score.Totals[0]);
        Assert.Equal(1, score.Counts[1]);
        Assert.Equal(2, score.Totals[1]);
    }

    [Fact]
    public void Thirteen_a_tokenizer_separates_punctuation_as_mteval()
    {
        Assert.Equal("Hello , world ! 3.14 and 1,000 ; a-b 5 - 6 &", Normalize(BleuTokenizers.ThirteenA("Hello, world! 3.14 and 1,000; a-b 5-6 &amp;")));
        Assert.Equal("It wasn't surprising .", Normalize(BleuTokenizers.ThirteenA("It wasn't surprising.")));
        Assert.Equal("x \" y < z >", Normalize(BleuTokenizers.ThirteenA("x &quot;y &lt;z&gt;")));
    }

    [Fact]
    public void International_tokenizer_separates_unicode_punctuation_and_symbols()
    {
        Assert.Equal("«Grüße» , sagte er — 1,5 € !", Normalize(BleuTokenizers.International("«Grüße», sagte er — 1,5 €!")).Replace("« ", "«", StringComparison.Ordinal).Replace(" »", "»", StringComparison.Ordinal));
        // Astral symbols (emoji, So) are separated too: the tokenizer works on code points, not UTF-16 units.
        Assert.Equal("ok 😀 fine", Normalize(BleuTokenizers.International("ok😀fine")));
    }

    [Fact]
    public void Unicode_text_scores_consistently()
    {
        var scorer = new BleuScorer();

        Assert.Equal(100.0, scorer.SentenceScore("東京は 日本の 首都です。", ["東京は 日本の 首都です。"]).Score, 1e-9);
        Assert.True(scorer.SentenceScore("Grüße aus München", ["Grüße aus Berlin"]).Score is > 0 and < 100);
    }

    [Fact]
    public void Lowercase_option_ignores_case()
    {
        var mixed = new BleuScorer().SentenceScore("THE CAT SAT", ["the cat sat"]);
        var lower = new BleuScorer(new BleuOptions { Lowercase = true }).SentenceScore("THE CAT SAT", ["the cat sat"]);

        Assert.Equal(0.0, mixed.Score);
        Assert.Equal(100.0, lower.Score, 1e-9);
    }

    [Fact]
    public void Corpus_score_sums_statistics_rather_than_averaging_sentence_scores()
    {
        var scorer = new BleuScorer();
        string[] hyps = ["the cat sat on the mat", "a dog"];
        IReadOnlyList<IReadOnlyList<string>> refs = [["the cat sat on the mat", "a big dog barked"]];

        var corpus = scorer.CorpusScore(hyps, refs);
        var first = scorer.SentenceScore(hyps[0], [refs[0][0]]);
        var second = scorer.SentenceScore(hyps[1], [refs[0][1]]);

        Assert.Equal(first.HypothesisLength + second.HypothesisLength, corpus.HypothesisLength);
        Assert.Equal(first.ReferenceLength + second.ReferenceLength, corpus.ReferenceLength);
        Assert.Equal(first.Counts[0] + second.Counts[0], corpus.Counts[0]);
    }

    [Fact]
    public void Bad_input_throws_naming_the_argument()
    {
        var scorer = new BleuScorer();

        Assert.Equal("referenceStreams", Assert.Throws<ArgumentException>(() => scorer.CorpusScore(["a", "b"], [["a"]])).ParamName);
        Assert.Equal("hypotheses", Assert.Throws<ArgumentException>(() => scorer.CorpusScore([], [[]])).ParamName);
        Assert.Equal("references", Assert.Throws<ArgumentException>(() => scorer.SentenceScore("a", [])).ParamName);
        Assert.Throws<ArgumentNullException>(() => scorer.SentenceScore(null!, ["a"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BleuOptions { MaxNgramOrder = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new BleuOptions { SmoothingValue = -1 });
    }

    [Fact]
    public void Options_are_copied_at_construction()
    {
        var options = new BleuOptions { Lowercase = true };
        var scorer = new BleuScorer(options);
        options.Lowercase = false;

        Assert.Equal(100.0, scorer.SentenceScore("THE CAT SAT", ["the cat sat"]).Score, 1e-9);
    }

    private static string Normalize(string tokenized) => string.Join(' ', tokenized.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
