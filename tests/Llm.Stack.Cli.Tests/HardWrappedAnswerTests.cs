using System.Text;
using System.Text.Json;
using Llm.Stack.Local;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// Extractive answers over hard-wrapped documents, as the CLI gives them with no chat model: a README.Debian and a
/// man page wrapped at 72 and 78 columns, a Markdown README wrapped by <c>fmt -w 72</c> (HardWrapped/), and the sample
/// corpus re-wrapped at 72 columns. The fact that answers each question must appear in the answer, so a sentence cut
/// at a line break fails.
/// </summary>
public class HardWrappedAnswerTests(ITestOutputHelper output)
{
    private static string HardWrappedDirectory => Path.Combine(AppContext.BaseDirectory, "HardWrapped");

    [Fact]
    public async Task Answers_over_hard_wrapped_docs_quote_the_whole_sentence_that_holds_the_fact()
    {
        using var cli = new CliRunner();
        foreach (string file in Directory.GetFiles(HardWrappedDirectory).Where(f => !f.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            cli.Write(Path.Combine("docs", Path.GetFileName(file)), File.ReadAllText(file));
        }

        var questions = new List<(string Id, string Question, string Document, string Fact)>();
        foreach (string line in File.ReadLines(Path.Combine(HardWrappedDirectory, "questions.jsonl")).Where(l => l.Length > 0))
        {
            using var json = JsonDocument.Parse(line);
            JsonElement e = json.RootElement;
            questions.Add((e.GetProperty("id").GetString()!, e.GetProperty("question").GetString()!, e.GetProperty("document").GetString()!, e.GetProperty("fact").GetString()!));
        }

        (int answered, _) = await AnswerAsync(cli, questions);

        // Measured 2026-12-06: 15/15 since sentences of other documents must match the question as well as the best
        // one; 14/15 before (uu1, a miss of the word-overlap scorer, not of wrapping); 6/15 before sentences were
        // rebuilt across wraps.
        Assert.True(answered >= 14, $"{answered}/{questions.Count}");
    }

    /// <summary>The sample corpus wrapped at 72 columns (as `fmt` or an editor would), with its 26 labelled questions and answer spans.</summary>
    [Fact]
    public async Task Answers_over_the_sample_corpus_wrapped_at_72_columns_keep_the_labelled_answers()
    {
        string samples = EvalAndQualityTests.SamplesDirectory;
        using var cli = new CliRunner();
        foreach (string file in Directory.GetFiles(Path.Combine(samples, "data"), "*.md"))
        {
            cli.Write(Path.Combine("docs", Path.GetFileName(file)), HardWrap(File.ReadAllText(file), 72));
        }

        var questions = new List<(string Id, string Question, string Document, string Fact)>();
        foreach (string line in File.ReadLines(Path.Combine(samples, "questions.jsonl")).Where(l => l.Length > 0))
        {
            using var json = JsonDocument.Parse(line);
            JsonElement e = json.RootElement;
            questions.Add((e.GetProperty("id").GetString()!, e.GetProperty("question").GetString()!, e.GetProperty("document").GetString()! + ".md", e.GetProperty("answer").GetString()!));
        }

        (int answered, int otherDocuments) = await AnswerAsync(cli, questions);

        // Measured 2026-12-06: 25/26 (before: 17/26); q05's passage is not retrieved at all. Each question is about one
        // country, so a citation of another country's document quotes a sentence that does not answer: 5 before
        // sentences of other documents had to match the question as well as the best one, 0 since.
        Assert.True(answered >= 25, $"{answered}/{questions.Count}");
        Assert.Equal(0, otherDocuments);
    }

    private async Task<(int Answered, int OtherDocuments)> AnswerAsync(CliRunner cli, List<(string Id, string Question, string Document, string Fact)> questions)
    {
        CliResult ingest = await cli.RunAsync("ingest", "docs");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());

        var services = new ServiceCollection();
        services.AddLlmStack().AddLocalDefaults(Path.Combine(cli.WorkingDirectory, ".llmstack"));
        await using ServiceProvider provider = services.BuildServiceProvider();
        RagPipeline pipeline = provider.GetRequiredService<RagPipeline>();

        int answered = 0, quoted = 0, elsewhere = 0, without = 0;
        foreach ((string id, string question, string document, string fact) in questions)
        {
            RagAnswer answer = await pipeline.AskAsync(question);
            bool retrieved = answer.Sources.Any(s => s.Chunk.DocumentId.EndsWith(document, StringComparison.Ordinal) && Collapse(s.Chunk.Text).Contains(fact, StringComparison.OrdinalIgnoreCase));
            bool ok = Collapse(answer.Text).Contains(fact, StringComparison.OrdinalIgnoreCase);
            answered += ok ? 1 : 0;
            int sentences = answer.Text.Split('\n').Count(l => l.EndsWith(']'));
            without += answer.Text.Split('\n').Count(l => l.EndsWith(']') && !Collapse(l).Contains(fact, StringComparison.OrdinalIgnoreCase));
            int other = answer.Citations.Count(c => !c.Chunk.DocumentId.EndsWith(document, StringComparison.Ordinal));
            quoted += sentences;
            elsewhere += other;
            output.WriteLine($"{id} {(ok ? "answered" : retrieved ? "MISSED (passage retrieved)" : "missed (passage not retrieved)")}: {question}\n{answer.Text}\n");
        }

        output.WriteLine($"{answered}/{questions.Count} answers hold the fact; {quoted} sentences quoted ({without} without the fact), {elsewhere} citations of another document");
        return (answered, elsewhere);
    }

    private static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Greedy word wrap of every paragraph that is not a heading, as an editor's fill command does.</summary>
    private static string HardWrap(string markdown, int width)
    {
        var sb = new StringBuilder();
        foreach (string line in markdown.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length <= width)
            {
                sb.Append(line).Append('\n');
                continue;
            }

            int column = 0;
            foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (column > 0 && column + 1 + word.Length > width)
                {
                    sb.Append('\n');
                    column = 0;
                }

                if (column > 0)
                {
                    sb.Append(' ');
                    column++;
                }

                sb.Append(word);
                column += word.Length;
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
