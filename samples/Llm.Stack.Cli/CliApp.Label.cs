using System.CommandLine;
using Llm.Stack.Local;
using Llm.Stack.Monitoring;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    /// <summary>How many interactions <c>label</c> reads from the store at a time.</summary>
    private const int LabelPageSize = 20;

    private Command BuildLabelCommand()
    {
        var lowRated = new Option<bool>("--low-rated") { Description = "Only interactions that some feedback rated 2 or lower." };
        var unlabelled = new Option<bool>("--unlabelled") { Description = "Only interactions without any feedback yet." };
        var user = new Option<string?>("--user") { Description = "Who is labelling, recorded with each label (default: the login name)." };
        var command = new Command(
            "label",
            "Page through the interaction log, newest first, and label answers with the keyboard: c correct, w wrong (then type a better answer and mark the relevant sources), n or → next, p or ← previous, q quit. Each label is stored as feedback at once.")
        {
            lowRated, unlabelled, user,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            if (!Console.Profile.Capabilities.Interactive)
            {
                throw new CliException("llmstack label reads keys: run it in a terminal, with neither its input nor its output redirected.");
            }

            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            InteractionLog log = stack.InteractionLog
                ?? throw new CliException("The interaction log is off (LlmStack:InteractionLog:Enabled is false), so there is nothing to label.");
            LocalIndex? index = await TryOpenIndexForTextsAsync(stack, cancellationToken);
            var query = new InteractionQuery
            {
                Count = LabelPageSize,
                MaxRating = parsed.GetValue(lowRated) ? 2 : null,
                HasFeedback = parsed.GetValue(unlabelled) ? false : null,
            };
            string labeller = parsed.GetValue(user) is { Length: > 0 } who ? who : Environment.UserName;

            var seen = new List<InteractionRecord>();
            bool exhausted = false;
            int position = 0, labelled = 0;
            while (true)
            {
                if (position >= seen.Count && !exhausted)
                {
                    query.Skip = seen.Count;
                    IReadOnlyList<InteractionRecord> page = await log.Store.QueryAsync(query, cancellationToken);
                    seen.AddRange(page);
                    exhausted = page.Count < query.Count;
                }

                if (seen.Count == 0)
                {
                    Console.MarkupLine("No interactions to label. Answers are recorded by [blue]llmstack ask[/] and [blue]llmstack serve[/] (with LlmStack:InteractionLog:IncludeContent on, the question and answer text too).");
                    return 0;
                }

                position = Math.Clamp(position, 0, seen.Count - 1);
                InteractionRecord record = seen[position];
                IReadOnlyList<InteractionFeedback> feedback = await log.Store.GetFeedbackAsync(record.Id, cancellationToken);
                Dictionary<string, ChunkRecord> texts = await ReadChunkTextsAsync(index, record.RetrievedChunks.Select(c => c.ChunkId), cancellationToken);
                ShowInteraction(record, feedback, texts, position + 1, exhausted ? seen.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{seen.Count}+");

                ConsoleKeyInfo key = await ReadKeyAsync(cancellationToken);
                switch (char.ToLowerInvariant(key.KeyChar), key.Key)
                {
                    case ('q', _) or (_, ConsoleKey.Escape):
                        Console.MarkupLineInterpolated($"Labelled {labelled} interaction(s).");
                        return 0;
                    case ('c', _) or ('w', _):
                        bool correct = char.ToLowerInvariant(key.KeyChar) == 'c';
                        InteractionFeedback label = await AskLabelAsync(record, correct, texts, labeller, cancellationToken);
                        if (!await log.RecordFeedbackAsync(record.Id, label, cancellationToken))
                        {
                            Console.MarkupLine("[yellow]This interaction is no longer in the log (retention removed it); the label was not stored.[/]");
                        }
                        else
                        {
                            labelled++;
                            Console.MarkupLineInterpolated($"[green]Labelled {(correct ? "correct" : "wrong")}.[/]");
                        }

                        if (position + 1 >= seen.Count && exhausted)
                        {
                            Console.MarkupLineInterpolated($"That was the last one. Labelled {labelled} interaction(s).");
                            return 0;
                        }

                        position++;
                        break;
                    case ('n', _) or (' ', _) or (_, ConsoleKey.RightArrow) or (_, ConsoleKey.DownArrow) or (_, ConsoleKey.PageDown):
                        if (position + 1 >= seen.Count && exhausted)
                        {
                            Console.MarkupLine("[grey]That is the last one (q quits).[/]");
                        }
                        else
                        {
                            position++;
                        }

                        break;
                    case ('p', _) or (_, ConsoleKey.LeftArrow) or (_, ConsoleKey.UpArrow) or (_, ConsoleKey.PageUp):
                        position = Math.Max(0, position - 1);
                        break;
                    default:
                        Console.MarkupLine("[grey]Keys: c correct, w wrong, n next, p previous, q quit.[/]");
                        break;
                }
            }
        });
        return command;
    }

    /// <summary>Waits for one key press without echoing it.</summary>
    private async Task<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken) =>
        await Console.Input.ReadKeyAsync(intercept: true, cancellationToken) ?? throw new CliException("The terminal closed its input.");

    /// <summary>Shows one interaction: when and who, the question and answer, the sources with their text, and the feedback it has.</summary>
    private void ShowInteraction(InteractionRecord record, IReadOnlyList<InteractionFeedback> feedback, Dictionary<string, ChunkRecord> texts, int number, string of)
    {
        Console.WriteLine();
        Console.Write(new Rule($"[bold]{number} of {of}[/]  {Markup.Escape(record.Timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))}  {Markup.Escape(record.Operation)}  {Markup.Escape(record.ModelId ?? "unknown model")}") { Justification = Justify.Left });
        Console.MarkupLineInterpolated($"[grey]id {record.Id}{(record.UserId is { } u ? "  user " + u : "")}{(record.Error is { } e ? "  failed: " + e : "")}[/]");
        const string notRecorded = "(not recorded: LlmStack:InteractionLog:IncludeContent is off)";
        Console.MarkupLineInterpolated($"[bold]Question:[/] {record.Question ?? notRecorded}");
        Console.MarkupLineInterpolated($"[bold]Answer:[/] {record.Answer ?? (record.Error is null ? notRecorded : "(none: the call failed)")}");
        if (record.RetrievedChunks.Count > 0)
        {
            Console.MarkupLine("[bold]Sources:[/]");
            for (int i = 0; i < record.RetrievedChunks.Count; i++)
            {
                InteractionChunk chunk = record.RetrievedChunks[i];
                bool cited = record.CitedChunkIds.Contains(chunk.ChunkId, StringComparer.Ordinal);
                Console.MarkupLineInterpolated($"  [[{i + 1}]] [blue]{chunk.ChunkId}[/] score {chunk.Score:0.000}{(cited ? " cited" : "")}");
                if (texts.TryGetValue(chunk.ChunkId, out ChunkRecord? text))
                {
                    Console.WriteLine(Indent(Shorten(text.Text.ReplaceLineEndings(" "), 300)));
                }
            }
        }

        foreach (InteractionFeedback f in feedback)
        {
            Console.MarkupLineInterpolated($"[grey]feedback {f.Timestamp.ToLocalTime():yyyy-MM-dd HH:mm}{(f.UserId is { } by ? " by " + by : "")}: {(f.Rating is { } r ? "rating " + r + " " : "")}{string.Join(", ", f.Labels)}{(f.CorrectedAnswer is { } better ? " better answer: " + Shorten(better, 120) : "")}[/]");
        }

        Console.MarkupLine("[grey]c correct · w wrong · n/→ next · p/← previous · q quit[/]");
    }

    /// <summary>Asks for what a label holds: for a wrong answer a better one, then which sources were relevant.</summary>
    private async Task<InteractionFeedback> AskLabelAsync(InteractionRecord record, bool correct, Dictionary<string, ChunkRecord> texts, string labeller, CancellationToken cancellationToken)
    {
        string? better = null;
        if (!correct)
        {
            better = await new TextPrompt<string>("Better answer (Enter to skip):").AllowEmpty().ShowAsync(Console, cancellationToken);
        }

        string[] retrieved = [.. record.RetrievedChunks.Select(c => c.ChunkId).Distinct(StringComparer.Ordinal)];
        List<string> relevant = [];
        if (retrieved.Length > 0)
        {
            var prompt = new MultiSelectionPrompt<string>()
                .Title("Which sources are relevant to the question? (Space marks, Enter accepts; the cited ones are marked)")
                .NotRequired()
                .PageSize(Math.Max(3, retrieved.Length))
                .UseConverter(id => Markup.Escape(texts.TryGetValue(id, out ChunkRecord? c) ? $"{id}: {Shorten(c.Text.ReplaceLineEndings(" "), 70)}" : id))
                .AddChoices(retrieved);
            foreach (string cited in retrieved.Where(id => record.CitedChunkIds.Contains(id, StringComparer.Ordinal)))
            {
                prompt.Select(cited);
            }

            relevant = await prompt.ShowAsync(Console, cancellationToken);
        }

        return new InteractionFeedback
        {
            Rating = correct ? InteractionFeedback.MaxRating : InteractionFeedback.MinRating,
            Labels = [correct ? InteractionLabels.Correct : InteractionLabels.Incorrect],
            CorrectedAnswer = string.IsNullOrWhiteSpace(better) ? null : better.Trim(),
            RelevantChunkIds = relevant,
            IrrelevantChunkIds = [.. retrieved.Except(relevant, StringComparer.Ordinal)],
            UserId = labeller,
        };
    }

    /// <summary>Opens the index to show and export the text of recorded chunks; <see langword="null"/> when there is none (the ids are shown alone).</summary>
    private async Task<LocalIndex?> TryOpenIndexForTextsAsync(CliStack stack, CancellationToken cancellationToken)
    {
        try
        {
            await OpenIndexAsync(stack.Index, rebuild: false, cancellationToken);
            return stack.Index.Count > 0 ? stack.Index : null;
        }
        catch (CliException e)
        {
            await _error.WriteLineAsync($"note: the sources' text is not shown: {e.Message}");
            return null;
        }
    }

    /// <summary>Reads the chunks of the index with these ids (the keys the retriever gave them); ids no longer indexed are left out.</summary>
    private static async Task<Dictionary<string, ChunkRecord>> ReadChunkTextsAsync(LocalIndex? index, IEnumerable<string> chunkIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, ChunkRecord>(StringComparer.Ordinal);
        if (index is null)
        {
            return found;
        }

        foreach (string id in chunkIds.Distinct(StringComparer.Ordinal))
        {
            if (await index.Collection.GetAsync(id, cancellationToken: cancellationToken) is { } record)
            {
                found[id] = record;
            }
        }

        return found;
    }
}
