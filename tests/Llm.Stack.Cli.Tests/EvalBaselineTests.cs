using System.Text.Json;

namespace Llm.Stack.Cli.Tests;

/// <summary><c>llmstack eval --baseline report.json --max-drop …</c>: the regression gate, through the real command line.</summary>
public class EvalBaselineTests
{
    private const string Dataset =
        """
        {"id":"volcano","prompt":"Which volcano erupted in 2010?","reference":"Eyjafjallajokull erupted in 2010 and closed European airspace.","document":"volcanoes"}
        {"id":"bread","prompt":"What makes the dough rise?","reference":"Yeast ferments the sugars in flour and makes the dough rise.","document":"bread"}
        """;

    private static CliRunner Corpus()
    {
        var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nEyjafjallajokull erupted in 2010 and closed European airspace for days.\n");
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and makes the dough rise.\n");
        cli.Write("dataset.jsonl", Dataset);
        return cli;
    }

    [Fact]
    public async Task A_drop_beyond_max_drop_exits_9_and_the_reports_say_which_question_got_worse_and_why()
    {
        using CliRunner cli = Corpus();
        CliResult first = await cli.RunAsync("eval", "dataset.jsonl", "--docs", "docs", "--out", "base");
        Assert.True(first.ExitCode == 0, first.ToString());
        using (JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "base", "report.json"))))
        {
            JsonElement rag = report.RootElement.GetProperty("summaries").EnumerateArray().Single(s => s.GetProperty("model").GetString() == "extractive (rag)");
            Assert.Equal(1.0, rag.GetProperty("meanMetrics").GetProperty("hit@3").GetDouble());
        }

        // The same corpus again: nothing dropped, exit 0.
        CliResult same = await cli.RunAsync("eval", "dataset.jsonl", "--docs", "docs", "--out", "same", "--baseline", "base/report.json", "--max-drop", "rougeL=0.02,hit@3=0.05");
        Assert.True(same.ExitCode == 0, same.ToString());
        string sameMarkdown = File.ReadAllText(Path.Combine(cli.WorkingDirectory, "same", "report.md"));
        Assert.Contains("No gated metric dropped beyond its limit.", sameMarkdown, StringComparison.Ordinal);
        Assert.Contains("0 items scored lower than in the baseline.", sameMarkdown, StringComparison.Ordinal);

        // The volcano document is gone: its question retrieves nothing of it and its answer changes.
        File.Delete(Path.Combine(cli.WorkingDirectory, "docs", "volcanoes.md"));
        CliResult worse = await cli.RunAsync("eval", "dataset.jsonl", "--docs", "docs", "--out", "worse", "--baseline", "base/report.json", "--max-drop", "rougeL=0.02,hit@3=0.05");
        Assert.True(worse.ExitCode == 9, worse.ToString());
        // stderr also carries the index update (the volcano document was removed); the verdict is one line of its own.
        string verdict = Assert.Single(worse.Error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.StartsWith("error: regression against the baseline: ", verdict, StringComparison.Ordinal);
        Assert.Contains("extractive (rag) hit@3 dropped 0.5 (--max-drop 0.05)", verdict, StringComparison.Ordinal);

        string markdown = File.ReadAllText(Path.Combine(cli.WorkingDirectory, "worse", "report.md"));
        Assert.Contains("| extractive (rag) | hit@3 | 1.0000 | 0.5000 | -0.5000 | 0.05 | REGRESSED |", markdown, StringComparison.Ordinal);
        string volcanoRow = Assert.Single(markdown.Split('\n'), l => l.StartsWith("| extractive (rag) | volcano |", StringComparison.Ordinal));
        Assert.Contains("| retrieval missed |", volcanoRow, StringComparison.Ordinal);
        Assert.Contains("hit@3 1 → 0", volcanoRow, StringComparison.Ordinal);

        string html = File.ReadAllText(Path.Combine(cli.WorkingDirectory, "worse", "report.html"));
        Assert.Contains("<tr class=\"regressed\"><td>extractive (rag)</td><td>hit@3</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-item=\"volcano\" data-cause=\"retrieval missed\">", html, StringComparison.Ordinal);

        // Each run's JSON is also kept for the dashboard's list, under the data directory, named by the run's time and dataset.
        string[] kept = [.. Directory.GetFiles(Path.Combine(cli.WorkingDirectory, ".llmstack", "eval-reports")).Order(StringComparer.Ordinal)];
        Assert.Equal(3, kept.Length);
        Assert.All(kept, k => Assert.Matches(@"^\d{8}-\d{6}-dataset(-\d)?\.json$", Path.GetFileName(k)));
        Assert.Contains(kept, k => File.ReadAllText(k) == File.ReadAllText(Path.Combine(cli.WorkingDirectory, "worse", "report.json")));
    }

    [Fact]
    public async Task Bad_gates_and_baselines_are_refused_before_the_run_with_the_option_named()
    {
        using CliRunner cli = Corpus();
        Assert.Equal(0, (await cli.RunAsync("eval", "dataset.jsonl", "--docs", "docs", "--out", "base")).ExitCode);
        cli.Write("not-a-report.json", "[1, 2]");

        (string[] Args, string Message)[] cases =
        [
            (["--max-drop", "rougeL=0.02"], "--max-drop needs --baseline"),
            (["--baseline", "base/report.json", "--max-drop", "rougeL=lots"], "--max-drop takes NAME=NUMBER pairs"),
            (["--baseline", "base/report.json", "--max-drop", "rougeL=-0.1"], "'rougeL=-0.1' is not one"),
            (["--baseline", "base/report.json", "--max-drop", "meteor=0.1"], "--max-drop names 'meteor', which is not a metric of the baseline; it has: "),
            (["--baseline", "missing.json"], "missing.json' does not exist"),
            (["--baseline", "not-a-report.json"], "is not a report.json of llmstack eval"),
        ];
        foreach ((string[] args, string message) in cases)
        {
            CliResult result = await cli.RunAsync(["eval", "dataset.jsonl", "--docs", "docs", "--out", "bad", .. args]);
            Assert.True(result.ExitCode == 1, string.Join(' ', args) + "\n" + result);
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Assert.Single(result.Error.Trim().Split('\n'));
            Assert.False(Directory.Exists(Path.Combine(cli.WorkingDirectory, "bad")), "refused before the run: " + string.Join(' ', args));
        }
    }
}
