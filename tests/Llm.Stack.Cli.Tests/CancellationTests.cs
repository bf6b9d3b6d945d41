using System.Text.Json;

namespace Llm.Stack.Cli.Tests;

public class CancellationTests
{
    [Fact]
    public async Task Ctrl_C_during_ingest_leaves_a_consistent_index_and_the_next_run_resumes_without_duplicates()
    {
        using var cli = new CliRunner();
        for (int i = 0; i < 40; i++)
        {
            cli.Write($"docs/note{i:00}.md", $"# Note {i}\n\nThis note number {i} talks about topic {i % 7} in some detail. " + string.Concat(Enumerable.Repeat($"Sentence {i} about the subject. ", 30)));
        }

        // Ctrl-C arrives while the run is under way (when exactly does not matter for what is checked).
        using (var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500)))
        {
            CliResult cancelled = await cli.RunAsync(["ingest", "docs"], ctrlC.Token);
            Assert.True(cancelled.ExitCode is 0 or 130, cancelled.ToString());
        }

        CliResult resumed = await cli.RunAsync("ingest", "docs");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("0 failed", resumed.Output, StringComparison.Ordinal);

        // The same documents ingested in one uninterrupted run give exactly as many chunks: nothing lost, nothing twice.
        using var reference = new CliRunner();
        foreach (string file in Directory.GetFiles(Path.Combine(cli.WorkingDirectory, "docs")))
        {
            reference.Write(Path.Combine("docs", Path.GetFileName(file)), File.ReadAllText(file));
        }

        Assert.Equal(0, (await reference.RunAsync("ingest", "docs")).ExitCode);
        Assert.Equal(Chunks(reference), Chunks(cli));

        CliResult again = await cli.RunAsync("ingest", "docs");
        Assert.Contains("40 unchanged", again.Output, StringComparison.Ordinal);
    }

    private static int Chunks(CliRunner cli)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(cli.WorkingDirectory, ".llmstack", "index.json")));
        return json.RootElement.GetProperty("Chunks").GetInt32();
    }
}
