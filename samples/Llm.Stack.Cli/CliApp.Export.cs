using System.CommandLine;
using System.Text;
using System.Text.Json;
using Llm.Stack.Evaluation;
using Llm.Stack.Local;
using Llm.Stack.Monitoring;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private Command BuildExportCommand()
    {
        var output = new Option<string>("--out") { Description = "The folder to write eval.jsonl, fine-tuning/train.jsonl and validation.jsonl, and pairs.jsonl to.", Required = true };
        var command = new Command(
            "export",
            "Write the labelled interactions of the interaction log as datasets: eval.jsonl (the format llmstack eval reads: prompt, reference and the documents holding the answer), fine-tuning/ (chat fine-tuning JSONL, validated and split), and pairs.jsonl ({\"query\", \"passage\"} pairs of each question and the passages judged relevant, for llmstack tune-embeddings).")
        {
            output,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string folder = Path.GetFullPath(parsed.GetRequiredValue(output), _workingDirectory);
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            InteractionLog log = stack.InteractionLog
                ?? throw new CliException("The interaction log is off (LlmStack:InteractionLog:Enabled is false), so there is nothing to export.");
            LocalIndex? index = await TryOpenIndexForTextsAsync(stack, cancellationToken);

            int withFeedback = 0, withoutVerdict = 0, withoutText = 0, withoutReference = 0;
            var labelled = new List<LabelledInteraction>();
            var query = new InteractionQuery { Count = 1000, HasFeedback = true };
            while (true)
            {
                IReadOnlyList<InteractionRecord> page = await log.Store.QueryAsync(query, cancellationToken);
                foreach (InteractionRecord record in page)
                {
                    withFeedback++;
                    if (LabelledInteraction.FromFeedback(record, await log.Store.GetFeedbackAsync(record.Id, cancellationToken)) is not { } item)
                    {
                        withoutVerdict++;
                    }
                    else if (string.IsNullOrWhiteSpace(item.Interaction.Question))
                    {
                        withoutText++;
                    }
                    else
                    {
                        labelled.Add(item);
                    }
                }

                if (page.Count < query.Count)
                {
                    break;
                }

                query.Skip += page.Count;
            }

            // Oldest first, so that a later export of the same log lists the same items in the same order.
            labelled.Reverse();
            Directory.CreateDirectory(folder);
            var evaluation = new StringBuilder();
            var pairs = new StringBuilder();
            int evaluationItems = 0, pairCount = 0;
            var fineTuning = new FineTuningDatasetBuilder(TiktokenTokenizer.CreateForModel("gpt-4o"));
            foreach (LabelledInteraction item in labelled)
            {
                string question = item.Interaction.Question!;
                Dictionary<string, ChunkRecord> relevant = await ReadChunkTextsAsync(index, item.RelevantChunkIds, cancellationToken);
                foreach (ChunkRecord chunk in item.RelevantChunkIds.Where(relevant.ContainsKey).Select(id => relevant[id]))
                {
                    pairs.Append(JsonSerializer.Serialize(new { query = question, passage = WithoutSectionPrefix(chunk) }, PairJson)).Append('\n');
                    pairCount++;
                }

                if (item.Reference is not { } reference)
                {
                    withoutReference++;
                    continue;
                }

                string[] documents = [.. item.RelevantChunkIds.Where(relevant.ContainsKey).Select(id => relevant[id].DocumentId).Distinct(StringComparer.Ordinal)];
                evaluation.Append(JsonSerializer.Serialize(
                    documents.Length > 0
                        ? new { id = item.Interaction.Id, prompt = question, reference, documents }
                        : (object)new { id = item.Interaction.Id, prompt = question, reference },
                    PairJson)).Append('\n');
                evaluationItems++;
                fineTuning.Add(FineTuningExample.FromPrompt(question, reference));
            }

            var utf8 = new UTF8Encoding(false);
            await File.WriteAllTextAsync(Path.Combine(folder, "eval.jsonl"), evaluation.ToString(), utf8, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, "pairs.jsonl"), pairs.ToString(), utf8, cancellationToken);
            string fineTuningSummary;
            try
            {
                FineTuningDataset dataset = fineTuning.Build();
                await dataset.WriteAsync(Path.Combine(folder, "fine-tuning"), cancellationToken);
                fineTuningSummary = $"fine-tuning/: {dataset.Training.Count} training and {dataset.Validation.Count} validation examples ({dataset.DuplicatesRemoved} duplicates removed)";
            }
            catch (FineTuningDatasetException e)
            {
                fineTuningSummary = $"fine-tuning/: not written: {e.Message}";
            }

            await _out.WriteLineAsync($"{withFeedback} interactions with feedback, {labelled.Count} labelled with their question: written to {folder}");
            await _out.WriteLineAsync($"  eval.jsonl: {evaluationItems} items");
            await _out.WriteLineAsync($"  {fineTuningSummary}");
            await _out.WriteLineAsync($"  pairs.jsonl: {pairCount} (query, passage) pairs");
            if (withoutText + withoutVerdict + withoutReference > 0)
            {
                await _out.WriteLineAsync(
                    $"  left out: {withoutText} without the question's text (LlmStack:InteractionLog:IncludeContent was off), {withoutVerdict} whose feedback gives no verdict, " +
                    $"{withoutReference} judged wrong with no better answer (no eval item or fine-tuning example)");
            }

            return 0;
        });
        return command;
    }
}
