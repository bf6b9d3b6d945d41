using System.CommandLine;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private readonly Option<string[]> _docsOption = new("--docs") { Description = "Ingest these files or folders first (incrementally), then answer.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<int> _topOption = new("--top") { Description = "How many passages to retrieve.", DefaultValueFactory = _ => 5 };

    private Command BuildAskCommand()
    {
        var question = new Argument<string>("question") { Description = "The question to answer from the indexed documents." };
        var command = new Command("ask", "Answer a question from the indexed documents, with numbered citations and a list of sources.")
        {
            question, _docsOption, _topOption, _rebuildOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string text = parsed.GetRequiredValue(question);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new CliException("The question is empty.");
            }

            int top = CheckTop(parsed.GetValue(_topOption));
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            await PrepareIndexAsync(stack, parsed, cancellationToken);

            RagAnswer? answer = null;
            await foreach (RagAnswerUpdate update in stack.Rag.AskStreamingAsync(text, new RagOptions { Top = top }, cancellationToken))
            {
                if (update.Text is { Length: > 0 } delta)
                {
                    await _out.WriteAsync(delta);
                    await _out.FlushAsync(cancellationToken);
                }

                answer = update.Answer ?? answer;
            }

            await _out.WriteLineAsync();
            if (answer is null)
            {
                return 1;
            }

            WriteSources(answer);
            return 0;
        });
        return command;
    }

    private Command BuildSearchCommand()
    {
        var query = new Argument<string>("query") { Description = "What to look for." };
        var command = new Command("search", "Show the passages that best match a query, with their scores and sources.")
        {
            query, _docsOption, _topOption, _rebuildOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string text = parsed.GetRequiredValue(query);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new CliException("The query is empty.");
            }

            int top = CheckTop(parsed.GetValue(_topOption));
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            await PrepareIndexAsync(stack, parsed, cancellationToken);

            IReadOnlyList<RetrievedChunk> results = await stack.Retriever.RetrieveAsync(text, new RetrievalOptions { Top = top }, cancellationToken);
            if (results.Count == 0)
            {
                Console.MarkupLine("[yellow]No passages found.[/] Ingest documents first: llmstack ingest <paths>");
                return 1;
            }

            int rank = 0;
            foreach (RetrievedChunk result in results)
            {
                rank++;
                Console.MarkupLineInterpolated($"[bold]{rank}.[/] score {result.Score:0.000}  [blue]{Describe(result.Chunk)}[/]");
                Console.WriteLine(Indent(Shorten(result.Chunk.Text, 400)));
                Console.WriteLine();
            }

            return 0;
        });
        return command;
    }

    /// <summary>Opens the index, first ingesting <c>--docs</c> when given; refuses an empty index.</summary>
    private async Task PrepareIndexAsync(CliStack stack, ParseResult parsed, CancellationToken cancellationToken)
    {
        string[] docs = parsed.GetValue(_docsOption) ?? [];
        bool rebuild = parsed.GetValue(_rebuildOption);
        if (docs.Length > 0)
        {
            IngestSummary summary = await IngestAsync(stack, docs, rebuild, null, null, showProgress: false, cancellationToken);
            if (summary.Added + summary.Changed + summary.Removed + summary.Failed > 0)
            {
                await _error.WriteLineAsync($"(index updated: {summary.Added} added, {summary.Changed} changed, {summary.Removed} removed, {summary.Failed} failed)");
            }
        }
        else
        {
            await OpenIndexAsync(stack.Index, rebuild, cancellationToken);
        }

        if (stack.Index.Count == 0)
        {
            throw new CliException($"The index in '{stack.DataDirectory}' is empty. Ingest documents first (llmstack ingest <paths>) or pass --docs <paths>.");
        }
    }

    private void WriteSources(RagAnswer answer)
    {
        if (answer.IsExtractive)
        {
            Console.MarkupLine("[grey](To generate answers instead, configure LlmStack:Chat, set LLMSTACK_ENDPOINT, or pass --model DIR.)[/]");
        }

        if (answer.Citations.Count == 0)
        {
            return;
        }

        Console.MarkupLine("[bold]Sources[/]");
        foreach (RagCitation citation in answer.Citations.DistinctBy(c => c.Marker).OrderBy(c => c.Marker))
        {
            Console.MarkupLineInterpolated($"  [[{citation.Marker}]] [blue]{Describe(citation.Chunk)}[/] (score {citation.Score:0.000})");
            if (!string.IsNullOrWhiteSpace(citation.Quote))
            {
                Console.MarkupLineInterpolated($"      [grey]\"{Shorten(citation.Quote, 200)}\"[/]");
            }
        }

        if (answer.UnknownMarkers.Count > 0)
        {
            Console.MarkupLineInterpolated($"[yellow](The model cited sources that do not exist, dropped: {string.Join(", ", answer.UnknownMarkers.Select(m => $"[{m}]"))})[/]");
        }
    }

    private string Describe(DocumentChunk chunk)
    {
        string source = chunk.Metadata.TryGetValue("source", out object? s) && s is string { Length: > 0 } text ? text : chunk.DocumentId;
        if (Uri.TryCreate(source, UriKind.Absolute, out Uri? uri) && uri.IsFile)
        {
            source = Path.GetRelativePath(_workingDirectory, uri.LocalPath);
        }

        var parts = new List<string> { source };
        if (chunk.PageNumber is int page)
        {
            parts.Add($"page {page}");
        }

        if (chunk.SectionPath.Count > 0)
        {
            parts.Add(string.Join(" › ", chunk.SectionPath));
        }

        return string.Join(", ", parts);
    }

    private static int CheckTop(int top) =>
        top is >= 1 and <= 100 ? top : throw new CliException($"--top must be from 1 to 100, but is {top}.");

    private static string Shorten(string text, int max)
    {
        string flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= max ? flat : flat[..(max - 1)] + "…";
    }

    private static string Indent(string text) => "    " + text;
}
