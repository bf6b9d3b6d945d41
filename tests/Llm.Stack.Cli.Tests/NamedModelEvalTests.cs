using System.Text.Json;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>llmstack eval</c> compares every named model of <c>LlmStack:ChatModels</c> in one report, each answered by its own
/// OpenAI-protocol server on 127.0.0.1 and priced with its configured prices; <c>--models</c> chooses among them.
/// </summary>
public sealed class NamedModelEvalTests : IAsyncLifetime
{
    private FaultInjectingOpenAIServer _fast = null!;
    private FaultInjectingOpenAIServer _smart = null!;

    public async Task InitializeAsync()
    {
        _fast = await FaultInjectingOpenAIServer.StartAsync();
        _smart = await FaultInjectingOpenAIServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _fast.DisposeAsync();
        await _smart.DisposeAsync();
    }

    private CliRunner Cli()
    {
        var cli = new CliRunner();
        cli.Write("llmstack.json", $$"""
            {
              "LlmStack": {
                "ChatModels": {
                  "fast": { "Provider": "openai", "Endpoint": "{{_fast.Endpoint}}", "Model": "fast-model",
                            "InputPricePerMillionTokens": 1000, "OutputPricePerMillionTokens": 2000 },
                  "smart": { "Provider": "openai", "Endpoint": "{{_smart.Endpoint}}", "Model": "smart-model" }
                }
              }
            }
            """);
        cli.Write("dataset.jsonl", string.Join('\n',
            """{"id":"a","prompt":"What is the capital of Kenya?","reference":"You asked: What is the capital of Kenya?"}""",
            """{"id":"b","prompt":"Which volcano in Iceland erupted in 2010?","reference":"Eyjafjallajokull"}"""));
        return cli;
    }

    private static JsonElement Summary(JsonDocument report, string model) =>
        report.RootElement.GetProperty("summaries").EnumerateArray().Single(s => s.GetProperty("model").GetString() == model);

    [Fact]
    public async Task Eval_compares_every_named_model_in_one_report_with_their_prices()
    {
        using CliRunner cli = Cli();

        CliResult result = await cli.RunAsync("eval", "dataset.jsonl", "--no-rag", "--out", "report");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "report", "report.json")));
        Assert.Equal(["fast", "smart"], report.RootElement.GetProperty("summaries").EnumerateArray().Select(s => s.GetProperty("model").GetString()).Order());
        JsonElement fast = Summary(report, "fast");
        Assert.Equal(2, fast.GetProperty("items").GetInt32());
        Assert.Equal(0, fast.GetProperty("failures").GetInt32());

        // 5 input tokens per question; one output token per word of "You asked: ..." (8 and 9 words).
        Assert.Equal(10, fast.GetProperty("inputTokens").GetInt64());
        Assert.Equal(17, fast.GetProperty("outputTokens").GetInt64());
        Assert.Equal(((10 * 1000m) + (17 * 2000m)) / 1_000_000m, fast.GetProperty("totalCost").GetDecimal());
        Assert.False(Summary(report, "smart").TryGetProperty("totalCost", out _)); // no prices configured: no cost
        Assert.Equal(2, _fast.Requests.Count);
        Assert.Equal(2, _smart.Requests.Count);
        Assert.Contains("| fast |", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_bias_sends_the_built_in_probes_to_each_model_and_reports_them()
    {
        using CliRunner cli = Cli();

        CliResult result = await cli.RunAsync("eval", "dataset.jsonl", "--no-rag", "--models", "fast", "--bias", "--out", "report");

        Assert.True(result.ExitCode == 0, result.ToString());
        int prompts = Llm.Stack.Evaluation.CounterfactualProbe.Defaults.Sum(p => p.Terms.Count);
        Assert.Equal(2 + prompts, _fast.Requests.Count);
        Assert.Empty(_smart.Requests);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "report", "report.json")));
        JsonElement bias = Assert.Single(report.RootElement.GetProperty("bias").EnumerateArray());
        Assert.Equal("fast", bias.GetProperty("modelId").GetString());
        Assert.Equal(5, bias.GetProperty("attributes").GetArrayLength()); // gender, ethnicity, religion, age, nationality
        string markdown = File.ReadAllText(Path.Combine(cli.WorkingDirectory, "report", "report.md"));
        Assert.Contains("## Bias probes: fast", markdown, StringComparison.Ordinal);
        Assert.Contains("| nationality |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_models_limits_the_comparison_to_the_named_ones_and_refuses_an_unknown_name()
    {
        using CliRunner cli = Cli();

        CliResult one = await cli.RunAsync("eval", "dataset.jsonl", "--no-rag", "--models", "SMART", "--out", "report");
        CliResult unknown = await cli.RunAsync("eval", "dataset.jsonl", "--no-rag", "--models", "fast,tiny");

        Assert.True(one.ExitCode == 0, one.ToString());
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "report", "report.json")));
        Assert.Equal("smart", Assert.Single(report.RootElement.GetProperty("summaries").EnumerateArray()).GetProperty("model").GetString());
        Assert.Empty(_fast.Requests);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("error: --models names 'tiny', which is not a model of LlmStack:ChatModels (configured: fast, smart).", unknown.Error.Trim());
    }

    [Fact]
    public async Task Eval_with_rag_answers_with_each_named_model_from_the_indexed_documents()
    {
        using CliRunner cli = Cli();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nEyjafjallajokull in Iceland erupted in 2010 and closed European airspace.\n");

        CliResult result = await cli.RunAsync("eval", "dataset.jsonl", "--docs", "docs", "--out", "report");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "report", "report.json")));
        Assert.Equal(["extractive (rag)", "fast + rag", "smart + rag"], report.RootElement.GetProperty("summaries").EnumerateArray().Select(s => s.GetProperty("model").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(2, _fast.Requests.Count);
        Assert.Equal(2, _smart.Requests.Count);
    }
}
