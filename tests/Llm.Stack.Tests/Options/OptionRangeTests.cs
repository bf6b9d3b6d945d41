using Llm.Stack.Onnx;

namespace Llm.Stack.Tests.Options;

/// <summary>
/// The nullable, decimal and exclusive-bound range checks of <c>OptionRange</c> (<c>src/Shared</c>, compiled into each
/// package, so tested through the option setters that use them): a null passes, a value in range passes unchanged, a
/// value out of range (or NaN) is refused with an <see cref="ArgumentOutOfRangeException"/> naming <c>value</c> and the
/// allowed range.
/// </summary>
public sealed class OptionRangeTests
{
    [Fact]
    public void The_option_setters_that_use_them_pass_null_and_refuse_out_of_range_values_as_value()
    {
        var route = new ModelRoute { MinPromptTokens = 0, MaxPromptTokens = 1, MaxCost = 0.0001m, MinIntentProbability = 1d };
        route.MinPromptTokens = null;
        route.MaxPromptTokens = null;
        route.MaxCost = null;
        route.MinIntentProbability = null;
        Assert.True(route.MinPromptTokens is null && route.MaxPromptTokens is null && route.MaxCost is null && route.MinIntentProbability is null);
        Assert.StartsWith("Must be at least 0.", Assert.Throws<ArgumentOutOfRangeException>("value", () => route.MinPromptTokens = -1).Message, StringComparison.Ordinal);
        Assert.StartsWith("Must be at least 1.", Assert.Throws<ArgumentOutOfRangeException>("value", () => route.MaxPromptTokens = 0).Message, StringComparison.Ordinal);
        Assert.StartsWith("Must be above 0.", Assert.Throws<ArgumentOutOfRangeException>("value", () => route.MaxCost = 0m).Message, StringComparison.Ordinal);
        Assert.StartsWith("Must be from 0 to 1.", Assert.Throws<ArgumentOutOfRangeException>("value", () => route.MinIntentProbability = 1.01).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => route.MinIntentProbability = double.NaN);
        Assert.Equal((object)(-1), Assert.Throws<ArgumentOutOfRangeException>("value", () => route.MinPromptTokens = -1).ActualValue);

        var budget = new UsageBudget("monthly") { MaxCost = 1m, MaxTokens = 1 };
        budget.MaxCost = null;
        budget.MaxTokens = null;
        Assert.True(budget.MaxCost is null && budget.MaxTokens is null);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => budget.MaxCost = -0.5m);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => budget.MaxTokens = 0);

        var crossEncoder = new OnnxCrossEncoderOptions { LabelIndex = 0, MaxTokens = 4 };
        crossEncoder.LabelIndex = null;
        crossEncoder.MaxTokens = null;
        Assert.True(crossEncoder.LabelIndex is null && crossEncoder.MaxTokens is null);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => crossEncoder.LabelIndex = -1);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => crossEncoder.MaxTokens = 3);

        var cache = new SemanticCacheOptions { SimilarityThreshold = 1d, TimeToLive = TimeSpan.FromSeconds(1) };
        Assert.Equal((1d, TimeSpan.FromSeconds(1)), (cache.SimilarityThreshold, cache.TimeToLive));
        Assert.StartsWith("Must be above 0 and at most 1.", Assert.Throws<ArgumentOutOfRangeException>("value", () => cache.SimilarityThreshold = 0d).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => cache.SimilarityThreshold = 1.5d);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => cache.SimilarityThreshold = double.NaN);
        Assert.StartsWith("Must be above 00:00:00.", Assert.Throws<ArgumentOutOfRangeException>("value", () => cache.TimeToLive = TimeSpan.Zero).Message, StringComparison.Ordinal);

        var resilience = new LlmResilienceOptions { RequestsPerMinute = 1, TokensPerMinute = 1 };
        resilience.RequestsPerMinute = null;
        resilience.TokensPerMinute = null;
        Assert.True(resilience.RequestsPerMinute is null && resilience.TokensPerMinute is null);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => resilience.RequestsPerMinute = 0);
    }
}
