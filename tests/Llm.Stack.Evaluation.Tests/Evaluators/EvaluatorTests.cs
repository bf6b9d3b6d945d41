using Llm.Stack.Evaluation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation.Tests;

public sealed class EvaluatorTests
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What bit the man?")];

    [Fact]
    public async Task Bleu_evaluator_reports_sentence_bleu_with_breakdown()
    {
        var evaluator = new BleuEvaluator();
        var context = new ReferenceAnswersContext("The dog bit the man.", "The dog had bit the man.");

        var result = await evaluator.EvaluateAsync(Question, new ChatResponse(new ChatMessage(ChatRole.Assistant, "The dog bit the man.")), additionalContext: [context]);

        var metric = result.Get<NumericMetric>(BleuEvaluator.BleuMetricName);
        Assert.Equal(100.0, metric.Value!.Value, 1e-9);
        Assert.Equal("6", metric.Metadata!["hyp_len"]);
        Assert.Contains(context, metric.Context!.Values);
        Assert.Equal(new BleuScorer().SentenceScore("The dog bit the man.", context.References).Score, metric.Value.Value);
    }

    [Fact]
    public async Task Rouge_evaluator_takes_the_best_reference_per_type()
    {
        var evaluator = new RougeEvaluator();
        var context = new ReferenceAnswersContext("completely different words", "testing one two");

        var result = await evaluator.EvaluateAsync(Question, new ChatResponse(new ChatMessage(ChatRole.Assistant, "testing one")), additionalContext: [context]);

        Assert.Equal(["ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum"], evaluator.EvaluationMetricNames);
        Assert.Equal(0.8, result.Get<NumericMetric>("ROUGE-1").Value!.Value, 12);
        Assert.Equal(2.0 / 3, result.Get<NumericMetric>("ROUGE-2").Value!.Value, 12);
        Assert.Equal("1", result.Get<NumericMetric>("ROUGE-L").Metadata!["precision"]);
    }

    [Fact]
    public async Task Exact_match_and_token_f1_evaluators_normalize_answers()
    {
        var context = new ReferenceAnswersContext("The Eiffel Tower", "Tour Eiffel");
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "eiffel tower!"));

        var em = await new ExactMatchEvaluator().EvaluateAsync(Question, response, additionalContext: [context]);
        var f1 = await new TokenF1Evaluator().EvaluateAsync(Question, response, additionalContext: [context]);

        Assert.Equal(1.0, em.Get<NumericMetric>(ExactMatchEvaluator.ExactMatchMetricName).Value);
        Assert.Equal(1.0, f1.Get<NumericMetric>(TokenF1Evaluator.TokenF1MetricName).Value);
    }

    [Fact]
    public async Task Missing_references_give_an_error_diagnostic_and_no_value()
    {
        IEvaluator[] evaluators = [new BleuEvaluator(), new RougeEvaluator(["rouge1"]), new ExactMatchEvaluator(), new TokenF1Evaluator()];
        foreach (var evaluator in evaluators)
        {
            var result = await evaluator.EvaluateAsync(Question, new ChatResponse(new ChatMessage(ChatRole.Assistant, "x")));

            var metric = Assert.IsType<NumericMetric>(Assert.Single(result.Metrics).Value);
            Assert.Null(metric.Value);
            Assert.True(metric.ContainsDiagnostics(d => d.Severity == EvaluationDiagnosticSeverity.Error));
        }
    }

    [Fact]
    public void Composite_evaluator_accepts_the_evaluators()
    {
        var composite = new CompositeEvaluator(new BleuEvaluator(), new RougeEvaluator(), new ExactMatchEvaluator(), new TokenF1Evaluator());

        Assert.Equal(7, composite.EvaluationMetricNames.Count);
    }

    [Fact]
    public void Reference_context_rejects_bad_input()
    {
        Assert.Throws<ArgumentException>(() => new ReferenceAnswersContext(Array.Empty<string>()));
        Assert.Throws<ArgumentNullException>(() => new ReferenceAnswersContext([null!]));
    }
}
