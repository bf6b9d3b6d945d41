using Llm.Stack.Evaluation;
using Microsoft.Extensions.AI.Evaluation;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Evaluation.Tests;

public sealed class AddEvaluationTests
{
    [Fact]
    public void Registers_scorers_evaluators_and_harness_with_the_configured_options()
    {
        var services = new ServiceCollection();
        services.AddLlmStack().AddEvaluation(o =>
        {
            o.Bleu.Lowercase = true;
            o.RougeTypes.Clear();
            o.RougeTypes.Add("rougeL");
            o.RetrievalK = 3;
        });
        using var provider = services.BuildServiceProvider();

        Assert.Equal(100.0, provider.GetRequiredService<BleuScorer>().SentenceScore("THE CAT SAT", ["the cat sat"]).Score, 9);
        Assert.Equal(["rougeL"], provider.GetRequiredService<RougeScorer>().RougeTypes);
        Assert.Equal(4, provider.GetServices<IEvaluator>().Count());
        Assert.Same(provider.GetRequiredService<BleuEvaluator>(), provider.GetServices<IEvaluator>().OfType<BleuEvaluator>().Single());
        Assert.NotNull(provider.GetRequiredService<RetrievalEvaluator>());
        Assert.NotNull(provider.GetRequiredService<ModelComparisonHarness>());
    }

    [Fact]
    public void Calling_twice_keeps_one_registration_and_bad_types_fail_early()
    {
        var services = new ServiceCollection();
        var stack = services.AddLlmStack();
        stack.AddEvaluation().AddEvaluation();
        using var provider = services.BuildServiceProvider();

        Assert.Equal(4, provider.GetServices<IEvaluator>().Count());
        Assert.Throws<ArgumentException>(() => stack.AddEvaluation(o => o.RougeTypes.Add("rouge0")));
    }
}
