using Llm.Stack.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class AnswerMetricsTests
{
    [Theory]
    // SQuAD normalization: lower-case, drop punctuation and articles, collapse white space.
    [InlineData("The  Quick, brown FOX!", "quick brown fox")]
    [InlineData("an apple a day", "apple day")]
    [InlineData("Theater", "theater")]
    [InlineData("  ", "")]
    public void Normalize_follows_squad(string text, string expected)
    {
        Assert.Equal(expected, AnswerMetrics.Normalize(text));
    }

    [Fact]
    public void Exact_match_takes_any_reference()
    {
        Assert.Equal(1.0, AnswerMetrics.ExactMatch("Paris.", ["London", "paris"]));
        Assert.Equal(0.0, AnswerMetrics.ExactMatch("Paris, France", ["paris"]));
    }

    [Fact]
    public void Token_f1_is_the_bag_of_tokens_harmonic_mean()
    {
        // prediction "paris france" vs truth "paris": P = 1/2, R = 1, F1 = 2/3.
        Assert.Equal(2.0 / 3, AnswerMetrics.TokenF1("Paris, France", ["paris"]), 12);
        Assert.Equal(0.0, AnswerMetrics.TokenF1("Berlin", ["paris"]));
        Assert.Equal(1.0, AnswerMetrics.TokenF1("the", ["a"])); // both normalize to nothing
        Assert.Equal(0.0, AnswerMetrics.TokenF1("", ["paris"]));
        Assert.Equal(1.0, AnswerMetrics.TokenF1("Grüße aus München", ["grüße aus münchen"]));
    }
}
