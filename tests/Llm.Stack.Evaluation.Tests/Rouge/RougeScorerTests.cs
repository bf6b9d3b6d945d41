using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class RougeScorerTests
{
    private static readonly RougeScorer All = new(["rouge1", "rouge2", "rougeL", "rougeLsum"]);

    [Fact]
    public void Identical_texts_score_one_for_every_type()
    {
        var result = All.Score("The cat sat on the mat.\nIt purred.", "The cat sat on the mat.\nIt purred.");

        Assert.All(result.Values, s => Assert.Equal(new RougeScore(1, 1, 1), s));
    }

    [Fact]
    public void No_overlap_scores_zero()
    {
        Assert.All(All.Score("alpha beta gamma", "one two three").Values, s => Assert.Equal(default, s));
    }

    [Fact]
    public void Tokenizer_lowercases_and_splits_on_non_alphanumerics_as_rouge_score()
    {
        var result = new RougeScorer(["rouge1"]).Score("Hello, WORLD! it's 2024", "hello world it s 2024");

        Assert.Equal(new RougeScore(1, 1, 1), result["rouge1"]);
    }

    [Fact]
    public void Non_ascii_letters_are_separators_as_in_rouge_score()
    {
        // rouge-score keeps only [a-z0-9]: "café" becomes "caf", "naïve" becomes "na ve"; Python's lower() turns
        // U+0130 into "i" + U+0307 (a separator) and the Kelvin sign U+212A into "k".
        var scorer = new RougeScorer(["rouge1"]);

        Assert.Equal(new RougeScore(1, 1, 1), scorer.Score("café naïve", "caf na ve")["rouge1"]);
        Assert.Equal(new RougeScore(1, 1, 1), scorer.Score("\u0130stanbul \u212Aelvin", "i stanbul kelvin")["rouge1"]);
        Assert.Equal(default, scorer.Score("東京 日本", "東京 日本")["rouge1"]);
    }

    [Fact]
    public void Stemming_applies_only_to_tokens_longer_than_three_characters()
    {
        var stemmed = new RougeScorer(["rouge1"], useStemmer: true);
        var plain = new RougeScorer(["rouge1"]);

        Assert.Equal(1.0, stemmed.Score("running jumps", "runs jumping")["rouge1"].FMeasure);
        Assert.Equal(0.0, plain.Score("running jumps", "runs jumping")["rouge1"].FMeasure);
        // "ties" (4 letters) is stemmed to "tie"; "ies" would not be.
        Assert.Equal(1.0, stemmed.Score("ties", "tie")["rouge1"].FMeasure);
    }

    [Fact]
    public void Higher_order_ngrams_are_supported()
    {
        var scorer = new RougeScorer(["rouge3", "rouge9"]);
        var result = scorer.Score("a b c d e", "a b c x e");

        Assert.Equal(1.0 / 3, result["rouge3"].Precision, 12);
        Assert.Equal(0.0, result["rouge9"].FMeasure);
    }

    [Fact]
    public void Null_arguments_throw()
    {
        Assert.Throws<ArgumentNullException>(() => All.Score(null!, "x"));
        Assert.Throws<ArgumentNullException>(() => All.Score("x", null!));
        Assert.Throws<ArgumentException>(() => new RougeScorer([]));
    }
}
