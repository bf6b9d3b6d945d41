using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

/// <summary>
/// Expected values from rouge-score's own tests (google-research/google-research, <c>rouge/rouge_scorer_test.py</c>,
/// whose "ground truth" scores come from manual runs of ROUGE-1.5.5) and its README/docstrings. The test method
/// named in each comment is the source; the tolerance is the test's own (<c>assertAlmostEqual</c>: 7 places, or the
/// <c>places</c> it states).
/// </summary>
public sealed class RougeScorerReferenceTests
{
    private static readonly string[] Targets = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "rouge_target.txt"));
    private static readonly string[] Predictions = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "rouge_prediction.txt"));

    [Theory]
    // testInvalidRougeTypes
    [InlineData("rougen")]
    [InlineData("rouge0")]
    [InlineData("rouge10")]
    public void Invalid_rouge_types_throw(string type)
    {
        Assert.Equal("rougeTypes", Assert.Throws<ArgumentException>(() => new RougeScorer([type])).ParamName);
    }

    [Theory]
    // testValidRougeTypes
    [InlineData("rouge1")]
    [InlineData("rouge9")]
    [InlineData("rougeL")]
    [InlineData("rougeLsum")]
    public void Valid_rouge_types_are_the_only_keys(string type)
    {
        var result = new RougeScorer([type]).Score("testing one two", "testing");

        Assert.Equal([type], result.Keys);
    }

    [Fact]
    public void Rouge1_matches_testRouge1()
    {
        var s = new RougeScorer(["rouge1"]).Score("testing one two", "testing")["rouge1"];

        AssertScore(1, 1.0 / 3, 1.0 / 2, s, 7);
    }

    [Theory]
    // testRougeEmpty
    [InlineData("rouge1")]
    [InlineData("rouge2")]
    [InlineData("rougeL")]
    [InlineData("rougeLsum")]
    public void Empty_prediction_scores_zero_as_testRougeEmpty(string type)
    {
        AssertScore(0, 0, 0, new RougeScorer([type]).Score("testing one two", string.Empty)[type], 7);
    }

    [Fact]
    public void Rouge2_matches_testRouge2()
    {
        AssertScore(1, 1.0 / 2, 2.0 / 3, new RougeScorer(["rouge2"]).Score("testing one two", "testing one")["rouge2"], 7);
    }

    [Theory]
    // testRougeLConsecutive and testRougeLNonConsecutive
    [InlineData("testing one")]
    [InlineData("testing two")]
    public void RougeL_matches_testRougeLConsecutive_and_NonConsecutive(string prediction)
    {
        AssertScore(1, 2.0 / 3, 4.0 / 5, new RougeScorer(["rougeL"]).Score("testing one two", prediction)["rougeL"], 7);
    }

    [Fact]
    public void Multiple_types_match_testMultipleRougeTypes()
    {
        var result = new RougeScorer(["rouge1", "rougeL"]).Score("testing one two", "testing one");

        Assert.Equal(["rouge1", "rougeL"], result.Keys.Order());
        AssertScore(1, 2.0 / 3, 4.0 / 5, result["rouge1"], 7);
        AssertScore(1, 2.0 / 3, 4.0 / 5, result["rougeL"], 7);
    }

    [Theory]
    // testRouge1AgainstRouge155, testRouge1AgainstRouge155WithStemming, testRouge2AgainstRouge155,
    // testRouge2AgainstRouge155WithStemming, testRougeLAgainstRouge155 (recall, precision, fmeasure to 5 places).
    [InlineData("rouge1", false, 0, 0.40741, 0.68750, 0.51163)]
    [InlineData("rouge1", false, 1, 0.40476, 0.65385, 0.50000)]
    [InlineData("rouge1", true, 0, 0.40741, 0.68750, 0.51163)]
    [InlineData("rouge1", true, 1, 0.42857, 0.69231, 0.52941)]
    [InlineData("rouge2", false, 0, 0.30769, 0.53333, 0.39024)]
    [InlineData("rouge2", false, 1, 0.29268, 0.48000, 0.36364)]
    [InlineData("rouge2", true, 0, 0.30769, 0.53333, 0.39024)]
    [InlineData("rouge2", true, 1, 0.29268, 0.48000, 0.36364)]
    [InlineData("rougeL", false, 0, 0.40741, 0.68750, 0.51163)]
    [InlineData("rougeL", false, 1, 0.40476, 0.65385, 0.50000)]
    public void Scores_match_ROUGE_155_as_in_rouge_scorer_test(string type, bool stem, int line, double recall, double precision, double fmeasure)
    {
        var s = new RougeScorer([type], useStemmer: stem).Score(Targets[line], Predictions[line])[type];

        AssertScore(precision, recall, fmeasure, s, 5);
    }

    [Fact]
    public void RougeLsum_matches_testRougeLSumAgainstRouge155WithStemming()
    {
        var target = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "rouge_target_multi.0.txt"));
        var prediction = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "rouge_prediction_multi.0.txt"));

        var s = new RougeScorer(["rougeLsum"], useStemmer: true).Score(target, prediction)["rougeLsum"];

        AssertScore(0.66667, 0.36538, 0.47205, s, 5);
    }

    [Fact]
    public void RougeLsum_matches_testRougeLsum()
    {
        var scorer = new RougeScorer(["rougeLsum"]);

        AssertScore(0.4, 0.8, 0.5333, scorer.Score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5")["rougeLsum"], 3);
        AssertScore(0, 0, 0, scorer.Score("w1 w2 w3 w4 w5", string.Empty)["rougeLsum"], 3);
        AssertScore(0, 0, 0, scorer.Score(string.Empty, "w1")["rougeLsum"], 3);
        // "Case in which summary is all non-word characters."
        AssertScore(0, 0, 0, scorer.Score("w1 w2 w3 w4 w5", "/")["rougeLsum"], 3);
    }

    [Fact]
    public void Lcs_helpers_match_testLcsTable_testUnionLcs_and_testSummaryLevelLcs()
    {
        // testLcsTable: LCS of [1,2,3,4,5] and [2,5,3,4] has length 3 at indices [1,2,3]; none with [8,9].
        var indices = new SortedSet<int>();
        RougeScorer.LcsIndices([1, 2, 3, 4, 5], [2, 5, 3, 4], indices);
        Assert.Equal([1, 2, 3], indices);
        Assert.Equal(3, RougeScorer.LcsLength([1, 2, 3, 4, 5], [2, 5, 3, 4]));
        Assert.Equal(0, RougeScorer.LcsLength([1, 2, 3, 4, 5], [8, 9]));

        // testUnionLcs: union of LCS of [1,2,3,4,5] with [1,2,6,7,8] and [1,3,8,9,5] is the tokens [1,2,3,5].
        indices.Clear();
        RougeScorer.LcsIndices([1, 2, 3, 4, 5], [1, 2, 6, 7, 8], indices);
        RougeScorer.LcsIndices([1, 2, 3, 4, 5], [1, 3, 8, 9, 5], indices);
        Assert.Equal([0, 1, 2, 4], indices);

        // testSummaryLevelLcs: recall 4/5, precision 4/10, F 0.5333; and an empty candidate sentence gives recall 0.
        var s = RougeScorer.SummaryLevelLcs([[1, 2, 3, 4, 5]], [[1, 2, 6, 7, 8], [1, 3, 8, 9, 5]]);
        Assert.Equal(0.8, s.Recall);
        Assert.Equal(0.4, s.Precision);
        Assert.Equal(0.5333, s.FMeasure, 3);
        Assert.Equal(0.0, RougeScorer.SummaryLevelLcs([[7]], [[]]).Recall);
    }

    [Fact]
    public void Docstring_example_scores_as_rouge_score()
    {
        // rouge_scorer.py class docstring: scorer.score('The quick brown fox jumps over the lazy dog',
        // 'The quick brown dog jumps on the log.') with rouge1 and rougeL, use_stemmer=True. The README of rouge-score
        // shows the same call; the values follow from its definitions: 6 shared unigrams ("the" twice, quick,
        // brown, dog, jumps) over 9 target and 8 prediction tokens; LCS "the quick brown jumps the" = 5.
        var result = new RougeScorer(["rouge1", "rougeL"], useStemmer: true)
            .Score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.");

        AssertScore(6.0 / 8, 6.0 / 9, 2 * (6.0 / 8) * (6.0 / 9) / ((6.0 / 8) + (6.0 / 9)), result["rouge1"], 7);
        AssertScore(5.0 / 8, 5.0 / 9, 2 * (5.0 / 8) * (5.0 / 9) / ((5.0 / 8) + (5.0 / 9)), result["rougeL"], 7);
    }

    private static void AssertScore(double precision, double recall, double fmeasure, RougeScore actual, int places)
    {
        // Python's assertAlmostEqual(a, b, places): round(a - b, places) == 0.
        Assert.True(Math.Round(precision - actual.Precision, places) == 0, $"precision {actual.Precision} != {precision}");
        Assert.True(Math.Round(recall - actual.Recall, places) == 0, $"recall {actual.Recall} != {recall}");
        Assert.True(Math.Round(fmeasure - actual.FMeasure, places) == 0, $"fmeasure {actual.FMeasure} != {fmeasure}");
    }
}
