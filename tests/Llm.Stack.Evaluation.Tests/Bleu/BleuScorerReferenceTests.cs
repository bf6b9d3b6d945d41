using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

/// <summary>
/// Expected values taken from sacreBLEU's own test suite and README (github.com/mjpost/sacrebleu, files named on each
/// test). sacreBLEU's tests compare with an absolute tolerance of 1e-8 (test_bleu.py) or 1e-3 (test_sentence_bleu.py);
/// the same tolerances are used here.
/// </summary>
public sealed class BleuScorerReferenceTests
{
    // test/test_bleu.py `_refs` / `_hyps` (also README.md, "Using the Python API").
    private static readonly IReadOnlyList<IReadOnlyList<string>> Refs =
    [
        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ];

    private static readonly IReadOnlyList<string> Hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

    // test/test_sentence_bleu.py: example from sacreBLEU issue #98.
    private const string Ref98 = "producţia de zahăr brut se exprimă în zahăr alb;";
    private const string Sys98 = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

    [Theory]
    // test/test_bleu.py test_corpus_bleu_cases: default, tokenize none/13a/intl, smooth_method none.
    [InlineData(BleuTokenizer.ThirteenA, BleuSmoothing.Exponential, 48.530827)]
    [InlineData(BleuTokenizer.None, BleuSmoothing.Exponential, 49.1919566)]
    [InlineData(BleuTokenizer.International, BleuSmoothing.Exponential, 43.91623493)]
    [InlineData(BleuTokenizer.ThirteenA, BleuSmoothing.None, 48.530827)]
    public void CorpusScore_matches_sacrebleu_test_corpus_bleu(BleuTokenizer tokenizer, BleuSmoothing smoothing, double expected)
    {
        var scorer = new BleuScorer(new BleuOptions { Tokenizer = tokenizer, Smoothing = smoothing });

        var score = scorer.CorpusScore(Hyps, Refs);

        Assert.Equal(expected, score.Score, 1e-6);
    }

    [Fact]
    public void CorpusScore_of_empty_hypotheses_is_zero_as_in_sacrebleu_test_corpus_bleu()
    {
        // test/test_bleu.py: (('', '', ''), _refs, {}, 0.0) "ensure that empty hypotheses are not removed".
        var score = new BleuScorer().CorpusScore(["", "", ""], Refs);

        Assert.Equal(0.0, score.Score);
        Assert.Equal(0, score.HypothesisLength);
        Assert.Equal(0.0, score.BrevityPenalty);
    }

    [Fact]
    public void CorpusScore_breakdown_matches_sacrebleu_readme()
    {
        // README.md: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)".
        var score = new BleuScorer().CorpusScore(Hyps, Refs);

        Assert.Equal("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", score.ToString());
        Assert.Equal(17, score.HypothesisLength);
        Assert.Equal(18, score.ReferenceLength);
        Assert.Equal(17.0 / 18.0, score.Ratio, 1e-12);
        Assert.Equal(Math.Exp(1 - (18.0 / 17.0)), score.BrevityPenalty, 1e-12);
        Assert.Equal(4, score.Precisions.Count);
    }

    [Fact]
    public void CorpusScore_with_a_missing_reference_matches_sacrebleu_readme_variable_references()
    {
        // README.md "Variable Number of References": first reference of the first segment replaced by '' (or None):
        // "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)".
        IReadOnlyList<IReadOnlyList<string>> withEmpty =
        [
            ["", "It was not unexpected.", "The man bit him first."],
            ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
        ];
        IReadOnlyList<IReadOnlyList<string>> withNull =
        [
            [null!, "It was not unexpected.", "The man bit him first."],
            ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
        ];
        const string Expected = "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)";

        Assert.Equal(Expected, new BleuScorer().CorpusScore(Hyps, withEmpty).ToString());
        Assert.Equal(Expected, new BleuScorer().CorpusScore(Hyps, withNull).ToString());
    }

    [Theory]
    // test/test_bleu.py test_bleu_max_order (sacreBLEU formats the score with "{:.2f}").
    [InlineData(1, "77.65")]
    [InlineData(2, "60.50")]
    [InlineData(3, "53.93")]
    [InlineData(4, "48.53")]
    [InlineData(5, "46.14")]
    [InlineData(6, "43.28")]
    public void CorpusScore_with_max_ngram_order_matches_sacrebleu_test_max_ngram_order(int order, string expected)
    {
        var score = new BleuScorer(new BleuOptions { MaxNgramOrder = order }).CorpusScore(Hyps, Refs);

        Assert.Equal(expected, score.Score.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    // test/test_sentence_bleu.py test_cases (effective_order=True): smoothing, tokenizer and case variants.
    [InlineData(BleuSmoothing.Exponential, null, false, BleuTokenizer.ThirteenA, 8.493)]
    [InlineData(BleuSmoothing.None, null, false, BleuTokenizer.ThirteenA, 0.0)]
    [InlineData(BleuSmoothing.Floor, null, false, BleuTokenizer.ThirteenA, 4.51688)]
    [InlineData(BleuSmoothing.Floor, 0.1, false, BleuTokenizer.ThirteenA, 4.51688)]
    [InlineData(BleuSmoothing.Floor, 0.5, false, BleuTokenizer.ThirteenA, 10.10)]
    [InlineData(BleuSmoothing.AddK, null, false, BleuTokenizer.ThirteenA, 14.882)]
    [InlineData(BleuSmoothing.AddK, 1.0, false, BleuTokenizer.ThirteenA, 14.882)]
    [InlineData(BleuSmoothing.AddK, 2.0, false, BleuTokenizer.ThirteenA, 21.389)]
    [InlineData(BleuSmoothing.Exponential, null, false, BleuTokenizer.None, 7.347)]
    [InlineData(BleuSmoothing.Exponential, null, false, BleuTokenizer.International, 8.493)]
    [InlineData(BleuSmoothing.Exponential, null, false, BleuTokenizer.Character, 40.8759)]
    [InlineData(BleuSmoothing.Exponential, null, true, BleuTokenizer.Character, 42.0267)]
    public void SentenceScore_matches_sacrebleu_test_sentence_bleu(BleuSmoothing smoothing, double? value, bool lowercase, BleuTokenizer tokenizer, double expected)
    {
        var scorer = new BleuScorer(new BleuOptions { Smoothing = smoothing, SmoothingValue = value, Lowercase = lowercase, Tokenizer = tokenizer, EffectiveOrder = true });

        var score = scorer.SentenceScore(Sys98, [Ref98]);

        Assert.Equal(expected, score.Score, 1e-3);
    }

    [Fact]
    public void SentenceScore_uses_effective_order_by_default_as_sacrebleu_sentence_bleu()
    {
        // test/test_sentence_bleu.py test_compat_sentence_bleu: sacrebleu.sentence_bleu defaults (exp, effective order) give 8.493.
        var score = new BleuScorer().SentenceScore(Sys98, [Ref98]);

        Assert.Equal(8.493, score.Score, 1e-3);
    }

    [Theory]
    // test/test_sentence_bleu.py test_cases_zero_bleu: example from sacreBLEU issue #141, no match at all.
    [InlineData(BleuSmoothing.Exponential, null)]
    [InlineData(BleuSmoothing.None, null)]
    [InlineData(BleuSmoothing.Floor, null)]
    [InlineData(BleuSmoothing.Floor, 0.1)]
    [InlineData(BleuSmoothing.AddK, null)]
    [InlineData(BleuSmoothing.AddK, 1.0)]
    public void SentenceScore_without_any_match_is_zero_as_in_sacrebleu_issue_141(BleuSmoothing smoothing, double? value)
    {
        var scorer = new BleuScorer(new BleuOptions { Smoothing = smoothing, SmoothingValue = value, EffectiveOrder = true });

        Assert.Equal(0.0, scorer.SentenceScore("this is a cat", ["okay thanks"]).Score);
    }

    [Theory]
    // test/test_bleu.py test_raw_bleu / test_effective_order: raw_corpus_bleu(hyps, refs, .01) is
    // tokenize='none', smooth_method='floor', smooth_value=0.01, use_effective_order=True; expected score / 100.
    [InlineData(new[] { "this is a test", "another test" }, new[] { "ref1", "ref2" }, 0.0)]
    [InlineData(new[] { "this is a test" }, new[] { "this is a test" }, 1.0)]
    [InlineData(new[] { "this is a fest" }, new[] { "this is a test" }, 0.223606797749979)]
    [InlineData(new[] { "test" }, new[] { "a test" }, 0.3678794411714425)]
    [InlineData(new[] { "a test" }, new[] { "a test" }, 1.0)]
    [InlineData(new[] { "a little test" }, new[] { "a test" }, 0.03218297948685433)]
    public void Raw_corpus_bleu_matches_sacrebleu_test_raw_bleu(string[] hypotheses, string[] stream, double expected)
    {
        var scorer = new BleuScorer(new BleuOptions { Tokenizer = BleuTokenizer.None, Smoothing = BleuSmoothing.Floor, SmoothingValue = 0.01, EffectiveOrder = true });

        // Note: test_raw_bleu's first case passes one stream of two references for two hypotheses.
        var score = scorer.CorpusScore(hypotheses, [stream]);

        Assert.Equal(expected, score.Score / 100, 1e-8);
    }

    [Fact]
    public void Statistics_match_sacrebleu_test_statistics_and_test_offset()
    {
        // test/test_bleu.py test_case_statistics: counts [4, 2, 1, 0], totals [6, 5, 4, 3];
        // test_case_offset: floor smoothing with the default 0.1 gives 0.1555722182, with 0.0 gives 0.
        var options = new BleuOptions { Tokenizer = BleuTokenizer.None, Smoothing = BleuSmoothing.Floor, EffectiveOrder = true };
        var hyp = new[] { "am I am a character sequence" };
        IReadOnlyList<IReadOnlyList<string>> refs = [["I am a symbol string sequence a a"]];

        var withDefault = new BleuScorer(options).CorpusScore(hyp, refs);
        options.SmoothingValue = 0.0;
        var withZero = new BleuScorer(options).CorpusScore(hyp, refs);

        Assert.Equal([4, 2, 1, 0], withDefault.Counts);
        Assert.Equal([6, 5, 4, 3], withDefault.Totals);
        Assert.Equal(0.1555722182, withDefault.Score / 100, 1e-8);
        Assert.Equal(0.0, withZero.Score / 100, 1e-8);
    }

    [Fact]
    public void Compute_from_statistics_matches_sacrebleu_test_scoring()
    {
        // test/test_bleu.py test_case_scoring: compute_bleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11) (no smoothing) = 0.8375922397.
        var score = BleuScorer.Compute([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, BleuSmoothing.None, null, effectiveOrder: false);

        Assert.Equal(0.8375922397, score.Score / 100, 1e-8);
    }

    [Theory]
    // test/test_bleu.py test_case_degenerate_stats (floor smoothing with the given value): all 0.0.
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 4, 4, 2, 1 }, 0, 1, 0.0)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 10, 11, 12, 0 }, 14, 10, 0.0)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 0, 0, 0.0)]
    [InlineData(new[] { 6, 5, 4, 0 }, new[] { 6, 5, 4, 3 }, 6, 6, 0.0)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 0, 0, 0.1)]
    [InlineData(new[] { 0, 0, 0, 0 }, new[] { 0, 0, 0, 0 }, 1, 5, 0.01)]
    public void Compute_of_degenerate_statistics_is_zero_as_in_sacrebleu(int[] correct, int[] total, int sysLen, int refLen, double offset)
    {
        var score = BleuScorer.Compute(correct, total, sysLen, refLen, BleuSmoothing.Floor, offset, effectiveOrder: false);

        Assert.Equal(0.0, score.Score);
    }
}
