using System.Net.Http.Json;
using Llm.Stack.Monitoring;

namespace Llm.Stack.Cli.Tests;

/// <summary>The interaction log in the CLI: <c>ask</c> records each answer and <c>serve</c> each completion, in <c>interactions.db</c> under the data folder, unless <c>LlmStack:InteractionLog:Enabled</c> is false.</summary>
public class InteractionLogCliTests
{
    private static readonly string[] Correct = ["correct"];
    private const string Volcanoes = "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.\n";

    [Fact]
    public async Task Ask_records_its_answer_without_the_text_and_records_nothing_when_the_log_is_disabled()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", Volcanoes);
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and makes the dough rise.\n");

        CliResult asked = await cli.RunAsync("ask", "Which town did Vesuvius bury?", "--docs", "docs");
        Assert.True(asked.ExitCode == 0, asked.ToString());

        string file = Path.Combine(cli.WorkingDirectory, ".llmstack", "interactions.db");
        InteractionRecord record;
        await using (var store = new SqliteInteractionStore(file))
        {
            record = Assert.Single(await store.GetRecentAsync(10));
        }

        Assert.Equal("rag", record.Operation);
        Assert.Contains("volcanoes.md", record.RetrievedChunks[0].ChunkId, StringComparison.Ordinal);
        Assert.NotEmpty(record.CitedChunkIds);
        Assert.Null(record.Question);
        Assert.Null(record.Answer);
        Assert.Null(record.Error);

        using var off = new CliRunner();
        off.Write("docs/volcanoes.md", Volcanoes);
        off.Write("llmstack.json", """{ "LlmStack": { "InteractionLog": { "Enabled": false } } }""");
        CliResult unrecorded = await off.RunAsync("ask", "Which town did Vesuvius bury?", "--docs", "docs");
        Assert.True(unrecorded.ExitCode == 0, unrecorded.ToString());
        Assert.False(File.Exists(Path.Combine(off.WorkingDirectory, ".llmstack", "interactions.db")));
    }

    [Fact]
    public async Task Serve_records_each_completion_under_the_id_it_returns_takes_feedback_on_it_and_shows_both_on_its_dashboard()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", Volcanoes);
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);

        using var stop = new CancellationTokenSource();
        var outputText = new StringWriter();
        TextWriter output = TextWriter.Synchronized(outputText);
        TextWriter error = TextWriter.Synchronized(new StringWriter());
        Task<int> server = new CliApp(output, error, cli.WorkingDirectory).RunAsync(["serve", "--rag", "--port", "0"], stop.Token);
        string id;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(await WaitForAddressAsync(output, outputText, server) + "/") };
            using HttpResponseMessage completion = await http.PostAsJsonAsync("chat/completions", new { model = "llmstack-rag", messages = new[] { new { role = "user", content = "Which town did Vesuvius bury?" } } });
            Assert.True(completion.IsSuccessStatusCode, await completion.Content.ReadAsStringAsync());
            id = Assert.Single(completion.Headers.GetValues("X-Interaction-Id"));

            using HttpResponseMessage feedback = await http.PostAsJsonAsync("feedback", new { interaction_id = id, rating = 5, labels = Correct });
            Assert.True(feedback.IsSuccessStatusCode, await feedback.Content.ReadAsStringAsync());

            // The dashboard beside the API counts the completion and its feedback.
            using HttpResponseMessage dashboard = await http.GetAsync("../dashboard");
            string page = await dashboard.Content.ReadAsStringAsync();
            Assert.True(dashboard.IsSuccessStatusCode, page);
            Assert.Contains("data-stat=\"count\" data-value=\"1\"", page, StringComparison.Ordinal);
            Assert.Contains("data-stat=\"feedback\" data-value=\"1\"", page, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await server);
        }

        await using var store = new SqliteInteractionStore(Path.Combine(cli.WorkingDirectory, ".llmstack", "interactions.db"));
        InteractionRecord record = (await store.GetAsync(id))!;
        Assert.NotNull(record);
        Assert.Equal("rag", record.Operation);
        Assert.Contains("volcanoes.md", record.RetrievedChunks[0].ChunkId, StringComparison.Ordinal);
        InteractionFeedback stored = Assert.Single(await store.GetFeedbackAsync(id));
        Assert.Equal(5, stored.Rating);
        Assert.Equal(["correct"], stored.Labels);
    }

    private static async Task<string> WaitForAddressAsync(TextWriter output, StringWriter text, Task<int> server)
    {
        for (int i = 0; i < 600 && !server.IsCompleted; i++)
        {
            string written;
            lock (output)
            {
                written = text.ToString();
            }

            int at = written.IndexOf(" at http://", StringComparison.Ordinal);
            if (at >= 0)
            {
                return written[(at + 4)..(written.IndexOf("/v1", at, StringComparison.Ordinal) + 3)];
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"The server did not start: {(server.IsCompleted ? "exit " + await server : "no address within a minute")}.");
    }
}
