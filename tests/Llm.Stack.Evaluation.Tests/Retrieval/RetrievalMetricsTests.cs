using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class RetrievalMetricsTests
{
    private static readonly Dictionary<string, double> AandC = new() { ["A"] = 1, ["C"] = 1 };

    [Fact]
    public void Worked_example_at_5()
    {
        // Relevant {A, C}; ranked B A D C E.
        // hit 1; RR 1/2; P@5 2/5; R@5 2/2; AP (1/2 + 2/4) / 2 = 0.5;
        // DCG 1/log2(3) + 1/log2(5); IDCG 1/log2(2) + 1/log2(3).
        var s = RetrievalMetrics.Compute(["B", "A", "D", "C", "E"], AandC, 5);

        Assert.Equal(1.0, s.HitRate);
        Assert.Equal(0.5, s.ReciprocalRank);
        Assert.Equal(0.4, s.Precision, 12);
        Assert.Equal(1.0, s.Recall);
        Assert.Equal(0.5, s.AveragePrecision, 12);
        Assert.Equal((1 / Math.Log2(3) + 1 / Math.Log2(5)) / (1 + 1 / Math.Log2(3)), s.Ndcg, 12);
        Assert.Equal(0.650921, s.Ndcg, 5);
    }

    [Fact]
    public void Worked_example_at_2()
    {
        // Same list cut at 2 (B A): P 1/2, R 1/2, AP (1/2) / 2 = 0.25, nDCG (1/log2 3) / (1 + 1/log2 3) = 0.386853.
        var s = RetrievalMetrics.Compute(["B", "A", "D", "C", "E"], AandC, 2);

        Assert.Equal(0.5, s.Precision);
        Assert.Equal(0.5, s.Recall);
        Assert.Equal(0.25, s.AveragePrecision, 12);
        Assert.Equal(0.386853, s.Ndcg, 5);
    }

    [Fact]
    public void Graded_relevance_uses_grades_as_gains()
    {
        // {A: 3, B: 1}, ranked B A: DCG 1 + 3/log2 3 = 2.892789; IDCG 3 + 1/log2 3 = 3.630930; nDCG 0.796709.
        var s = RetrievalMetrics.Compute(["B", "A"], new Dictionary<string, double> { ["A"] = 3, ["B"] = 1 }, 10);

        Assert.Equal(0.796709, s.Ndcg, 5);
        Assert.Equal(0.2, s.Precision, 12);
    }

    [Fact]
    public void Nothing_relevant_retrieved_scores_zero_and_repeats_count_once()
    {
        Assert.Equal(new RetrievalScores(0, 0, 0, 0, 0, 0), RetrievalMetrics.Compute(["X", "Y"], AandC, 5));
        Assert.Equal(new RetrievalScores(0, 0, 0, 0, 0, 0), RetrievalMetrics.Compute([], AandC, 5));

        // A twice: the second A is skipped, so C is at rank 2.
        var s = RetrievalMetrics.Compute(["A", "A", "C"], AandC, 2);
        Assert.Equal(1.0, s.Recall);
        Assert.Equal(1.0, s.Ndcg, 12);
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrievalMetrics.Compute(["A"], AandC, 0));
        Assert.Throws<ArgumentException>(() => new RetrievalQuery("q", Array.Empty<string>()));
        Assert.Throws<ArgumentException>(() => new RetrievalQuery(" ", ["A"]));
        Assert.Throws<ArgumentException>(() => new RetrievalQuery("q", new Dictionary<string, double> { ["A"] = 0 }));
    }
}
