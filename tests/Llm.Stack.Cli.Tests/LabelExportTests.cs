using System.Text.Json;
using Llm.Stack.Monitoring;
using Spectre.Console.Testing;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>llmstack label</c> driven key by key through Spectre.Console's test console, and <c>llmstack export</c> writing what
/// was labelled as datasets that <c>llmstack eval</c> reads back.
/// </summary>
public class LabelExportTests
{
    internal const string Volcano = "Which town did Vesuvius bury?";
    internal const string Bread = "What makes the dough rise?";

    /// <summary>Two answered questions, recorded with their text (content on).</summary>
    internal static async Task<CliRunner> AnsweredAsync()
    {
        var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.\n");
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and makes the dough rise.\n");
        cli.Write("llmstack.json", """{ "LlmStack": { "InteractionLog": { "IncludeContent": true } } }""");
        foreach (string question in new[] { Volcano, Bread })
        {
            CliResult asked = await cli.RunAsync("ask", question, "--docs", "docs");
            Assert.True(asked.ExitCode == 0, asked.ToString());
        }

        return cli;
    }

    private static async Task<(int ExitCode, string Shown, string Error)> LabelAsync(CliRunner cli, TestConsole console, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await new CliApp(output, error, cli.WorkingDirectory, cli.Environment, console).RunAsync(["label", .. args], CancellationToken.None);
        return (exitCode, console.Output, error.ToString());
    }

    internal static async Task<List<(InteractionRecord Record, IReadOnlyList<InteractionFeedback> Feedback)>> StoredAsync(CliRunner cli)
    {
        await using var store = new SqliteInteractionStore(Path.Combine(cli.WorkingDirectory, ".llmstack", "interactions.db"));
        var all = new List<(InteractionRecord, IReadOnlyList<InteractionFeedback>)>();
        foreach (InteractionRecord record in await store.GetRecentAsync(10))
        {
            all.Add((record, await store.GetFeedbackAsync(record.Id)));
        }

        return all;
    }

    [Fact]
    public async Task Label_pages_with_the_keyboard_stores_each_verdict_and_export_writes_datasets_eval_reads()
    {
        using CliRunner cli = await AnsweredAsync();
        var console = new TestConsole().Interactive();
        console.Profile.Width = 160;
        // Newest first: the bread question, then the volcano one. A stray key shows the keys; n and p move.
        console.Input.PushCharacter('x');
        console.Input.PushCharacter('n');
        console.Input.PushKey(ConsoleKey.LeftArrow);
        // Bread: wrong, with a better answer; the sources prompt starts with the cited ones marked, Enter accepts them.
        console.Input.PushCharacter('w');
        console.Input.PushTextWithEnter("Yeast ferments the sugars in flour, which makes the dough rise.");
        console.Input.PushKey(ConsoleKey.Enter);
        // Volcano: correct, sources as cited. It is the last one, so the tool ends.
        console.Input.PushCharacter('c');
        console.Input.PushKey(ConsoleKey.Enter);

        (int exitCode, string shown, string error) = await LabelAsync(cli, console, "--user", "alice");
        Assert.True(exitCode == 0, shown + error);
        Assert.Contains("1 of 2", shown, StringComparison.Ordinal);
        Assert.Contains("Question: " + Bread, shown, StringComparison.Ordinal);
        Assert.Contains("Question: " + Volcano, shown, StringComparison.Ordinal);
        Assert.Contains("Yeast ferments the sugars", shown, StringComparison.Ordinal); // a source's text, read from the index
        Assert.Contains("Keys: c correct, w wrong", shown, StringComparison.Ordinal);
        Assert.Contains("That was the last one. Labelled 2 interaction(s).", shown, StringComparison.Ordinal);

        var stored = await StoredAsync(cli);
        (InteractionRecord bread, IReadOnlyList<InteractionFeedback> breadFeedback) = stored.Single(s => s.Record.Question == Bread);
        InteractionFeedback wrong = Assert.Single(breadFeedback);
        Assert.Equal([InteractionLabels.Incorrect], wrong.Labels);
        Assert.Equal(1, wrong.Rating);
        Assert.Equal("alice", wrong.UserId);
        Assert.Equal("Yeast ferments the sugars in flour, which makes the dough rise.", wrong.CorrectedAnswer);
        Assert.Equal(bread.CitedChunkIds.Distinct(), wrong.RelevantChunkIds);
        Assert.Equal(bread.RetrievedChunks.Select(c => c.ChunkId).Distinct().Except(bread.CitedChunkIds), wrong.IrrelevantChunkIds);
        InteractionFeedback right = Assert.Single(stored.Single(s => s.Record.Question == Volcano).Feedback);
        Assert.Equal([InteractionLabels.Correct], right.Labels);
        Assert.Null(right.CorrectedAnswer);

        // --low-rated shows only the one labelled wrong; q ends at once.
        var lowRated = new TestConsole().Interactive();
        lowRated.Profile.Width = 160;
        lowRated.Input.PushCharacter('q');
        (int lowExit, string lowShown, _) = await LabelAsync(cli, lowRated, "--low-rated");
        Assert.Equal(0, lowExit);
        Assert.Contains("1 of 1", lowShown, StringComparison.Ordinal);
        Assert.Contains("Question: " + Bread, lowShown, StringComparison.Ordinal);
        Assert.DoesNotContain(Volcano, lowShown, StringComparison.Ordinal);

        CliResult exported = await cli.RunAsync("export", "--out", "labelled");
        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.Contains("eval.jsonl: 2 items", exported.Output, StringComparison.Ordinal);
        Assert.Contains("fine-tuning/: not written:", exported.Output, StringComparison.Ordinal); // OpenAI's minimum is 10 examples
        string folder = Path.Combine(cli.WorkingDirectory, "labelled");
        JsonElement[] items = [.. File.ReadAllLines(Path.Combine(folder, "eval.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.Equal([Volcano, Bread], items.Select(i => i.GetProperty("prompt").GetString()));
        Assert.Equal("Yeast ferments the sugars in flour, which makes the dough rise.", items[1].GetProperty("reference").GetString());
        Assert.EndsWith("bread.md", Assert.Single(items[1].GetProperty("documents").EnumerateArray()).GetString(), StringComparison.Ordinal);
        string[] pairs = File.ReadAllLines(Path.Combine(folder, "pairs.jsonl"));
        Assert.Contains(pairs, p => p == JsonSerializer.Serialize(new { query = Bread, passage = "Yeast ferments the sugars in flour and makes the dough rise." }));

        // The evaluation set is what llmstack eval reads: the documents named give retrieval hit@3.
        CliResult evaluated = await cli.RunAsync("eval", "labelled/eval.jsonl", "--docs", "docs", "--out", "report");
        Assert.True(evaluated.ExitCode == 0, evaluated.ToString());
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "report", "report.json")));
        Assert.Equal(1.0, report.RootElement.GetProperty("summaries")[0].GetProperty("meanMetrics").GetProperty("hit@3").GetDouble());
    }

    [Fact]
    public async Task Label_without_a_terminal_and_export_of_text_less_interactions_say_why_in_one_line()
    {
        using var cli = new CliRunner();
        CliResult redirected = await cli.RunAsync("label");
        Assert.Equal(1, redirected.ExitCode);
        Assert.Equal("error: llmstack label reads keys: run it in a terminal, with neither its input nor its output redirected.", redirected.Error.Trim());

        // Content off (the default): the labels are kept, but there is no question text to export.
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and makes the dough rise.\n");
        Assert.Equal(0, (await cli.RunAsync("ask", Bread, "--docs", "docs")).ExitCode);
        var console = new TestConsole().Interactive();
        console.Input.PushCharacter('c');
        console.Input.PushKey(ConsoleKey.Enter);
        (int exitCode, string shown, string error) = await LabelAsync(cli, console);
        Assert.True(exitCode == 0, shown + error);
        Assert.Contains("not recorded: LlmStack:InteractionLog:IncludeContent is off", shown, StringComparison.Ordinal);

        CliResult exported = await cli.RunAsync("export", "--out", "labelled");
        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.Contains("left out: 1 without the question's text", exported.Output, StringComparison.Ordinal);
        Assert.Empty(File.ReadAllText(Path.Combine(cli.WorkingDirectory, "labelled", "eval.jsonl")));
    }
}
