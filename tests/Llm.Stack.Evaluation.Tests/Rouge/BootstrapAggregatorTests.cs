using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class BootstrapAggregatorTests
{
    private static readonly RougeScorer Scorer = new(["rouge1", "rougeL"]);

    [Fact]
    public void Docstring_example_brackets_the_mean_as_in_rouge_score()
    {
        // rouge/scoring.py BootstrapAggregator docstring: two examples ("one two three" / "one two" and
        // "one two five six" / "seven eight") give mid ≈ (P 0.5, R 0.33, F 0.40), low 0, high (1.0, 0.66, 0.80).
        var aggregator = new BootstrapAggregator(seed: 42);
        aggregator.AddScores(Scorer.Score("one two three", "one two"));
        aggregator.AddScores(Scorer.Score("one two five six", "seven eight"));

        var result = aggregator.Aggregate();

        foreach (var type in new[] { "rouge1", "rougeL" })
        {
            var a = result[type];
            Assert.Equal(0.5, a.Mean.Precision, 12);
            Assert.Equal(1.0 / 3, a.Mean.Recall, 12);
            Assert.Equal(0.4, a.Mean.FMeasure, 12);
            Assert.Equal(0.0, a.Low.Precision);
            Assert.Equal(1.0, a.High.Precision);
            Assert.Equal(2.0 / 3, a.High.Recall, 12);
            Assert.Equal(0.8, a.High.FMeasure, 12);
            Assert.Equal(0.5, a.Mid.Precision, 12);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_intervals_and_another_seed_differs()
    {
        var first = Aggregate(7);
        var again = Aggregate(7);
        var other = Aggregate(8);

        Assert.Equal(first["rouge1"], again["rouge1"]);
        Assert.NotEqual(first["rouge1"].Low, other["rouge1"].Low);
    }

    [Fact]
    public void Interval_contains_the_mean_and_narrows_with_a_lower_confidence()
    {
        var wide = Aggregate(1, 0.95)["rouge1"];
        var narrow = Aggregate(1, 0.5)["rouge1"];

        Assert.InRange(wide.Mean.FMeasure, wide.Low.FMeasure, wide.High.FMeasure);
        Assert.True(narrow.High.FMeasure - narrow.Low.FMeasure < wide.High.FMeasure - wide.Low.FMeasure);
    }

    [Fact]
    public void Percentile_interpolates_linearly_as_numpy()
    {
        // numpy.percentile([1, 2, 3, 4], 25) == 1.75; numpy.percentile([1, 2, 3, 4], 50) == 2.5.
        Assert.Equal(1.75, Bootstrap.Percentile([1, 2, 3, 4], 25));
        Assert.Equal(2.5, Bootstrap.Percentile([1, 2, 3, 4], 50));
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BootstrapAggregator(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BootstrapAggregator(samples: 0));
        Assert.Throws<ArgumentNullException>(() => new BootstrapAggregator().AddScores(null!));
    }

    private static IReadOnlyDictionary<string, RougeAggregateScore> Aggregate(int seed, double confidence = 0.95)
    {
        var aggregator = new BootstrapAggregator(confidence, 500, seed);
        string[] targets = ["the cat sat on the mat", "a quick brown fox", "hello world", "one two three four", "lorem ipsum dolor", "x y z"];
        string[] predictions = ["the cat sat", "a slow brown dog", "hello there world", "four three two one", "dolor sit amet", "z"];
        for (var i = 0; i < targets.Length; i++)
        {
            aggregator.AddScores(Scorer.Score(targets[i], predictions[i]));
        }

        return aggregator.Aggregate();
    }
}
