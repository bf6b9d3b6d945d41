using System.CommandLine;
using System.Globalization;
using Llm.Stack.Evaluation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private Command BuildEvalCommand()
    {
        var dataset = new Argument<string>("dataset") { Description = "A JSONL dataset: one object per line with \"prompt\" or \"messages\", and \"reference\" or \"references\"." };
        var output = new Option<string?>("--out") { Description = "Where to write the report (report.md, .csv, .json, .html); default: eval-report/ next to the dataset." };
        var noRag = new Option<bool>("--no-rag") { Description = "Compare the chat model alone, without answers from the indexed documents." };
        var models = new Option<string?>("--models")
        {
            Description = "Compare only these named models of LlmStack:ChatModels (comma-separated); default: every named model, beside the default chat model.",
        };
        var baselineOption = new Option<string?>("--baseline") { Description = "The report.json of an earlier run to compare with: the reports then show each metric's change and every question that got worse, and why (retrieval missed, answer changed, failed)." };
        var maxDropOption = new Option<string?>("--max-drop") { Description = $"With --baseline: the largest drop of a metric's mean allowed, as NAME=NUMBER pairs such as rougeL=0.02,hit@3=0.05 (in the metric's units: ROUGE and hit rates 0-1, BLEU 0-100); a larger drop exits with code {CliExitCodes.Regression}." };
        var bias = new Option<bool>("--bias")
        {
            Description = "Also send the built-in counterfactual bias probes (the same prompts with gender, ethnicity, religion, age or nationality swapped) to each model, and report refusal, sentiment and content gaps per attribute with 95% confidence intervals.",
        };
        var command = new Command("eval", "Run a dataset through the configured model(s) and report BLEU, ROUGE, exact match, token F1, retrieval hit@3 and MRR@10 (for items that name their \"document\"), latency, tokens and cost; with --baseline, compare with an earlier run and gate on --max-drop.")
        {
            dataset, output, noRag, models, bias, baselineOption, maxDropOption, _docsOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string path = Path.GetFullPath(parsed.GetRequiredValue(dataset), _workingDirectory);
            if (!File.Exists(path))
            {
                throw new CliException($"The dataset '{path}' does not exist.");
            }

            IReadOnlyList<EvaluationDatasetItem> items;
            try
            {
                items = await EvaluationDataset.LoadJsonlAsync(path, cancellationToken);
            }
            catch (FormatException e)
            {
                throw new CliException($"The dataset '{path}' is not valid: {e.Message}");
            }

            if (items.Count == 0)
            {
                throw new CliException($"The dataset '{path}' holds no items.");
            }

            // The baseline and the gates are checked before the run, so that a typo costs no evaluation.
            Dictionary<string, double> maxDrops = ParseMaxDrops(parsed.GetValue(maxDropOption));
            ModelComparisonReport? baseline = null;
            if (parsed.GetValue(baselineOption) is string baselinePath)
            {
                baseline = await LoadBaselineAsync(Path.GetFullPath(baselinePath, _workingDirectory), maxDrops, cancellationToken);
            }
            else if (maxDrops.Count > 0)
            {
                throw new CliException("--max-drop needs --baseline <report.json>: the run to compare with.");
            }

            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            var candidates = new List<ModelCandidate>();
            bool useRag = !parsed.GetValue(noRag);
            if (useRag)
            {
                await PrepareIndexAsync(stack, parsed, cancellationToken);
                string name = stack.ChatClient is null ? "extractive (rag)" : "chat + rag";
                candidates.Add(new ModelCandidate(name, CreateRagChatClient(stack, includeSources: false)));
            }

            if (stack.ChatClient is { } chat)
            {
                candidates.Add(new ModelCandidate(
                    chat.GetService<ChatClientMetadata>()?.DefaultModelId ?? "chat",
                    chat,
                    new ChatOptions { MaxOutputTokens = stack.Options.Chat.MaxOutputTokens },
                    stack.Options.Chat.InputPricePerMillionTokens,
                    stack.Options.Chat.OutputPricePerMillionTokens));
            }

            // Every named model of LlmStack:ChatModels (or those --models names) in the same report, with its prices.
            foreach (string name in SelectNamedModels(stack, parsed.GetValue(models)))
            {
                IChatClient model = stack.Services.GetRequiredKeyedService<IChatClient>(name);
                candidates.Add(useRag
                    ? ModelCandidate.FromNamedModel(stack.Services, name, CreateRagChatClient(stack, includeSources: false, model, stack.Options.ChatModels[name]), name + " + rag")
                    : ModelCandidate.FromNamedModel(stack.Services, name));
            }

            if (candidates.Count == 0)
            {
                throw new CliException("Nothing to evaluate: no chat model is configured and --no-rag was given.");
            }

            string outputDirectory = Path.GetFullPath(parsed.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(path)!, "eval-report"), _workingDirectory);
            Directory.CreateDirectory(outputDirectory);
            var harness = new ModelComparisonHarness(new ModelComparisonOptions
            {
                ResultsPath = Path.Combine(outputDirectory, "results.jsonl"),
                BiasProbes = parsed.GetValue(bias) ? [.. CounterfactualProbe.Defaults] : null,
                BiasProbeOptions = new BiasProbeOptions { ChatOptions = new ChatOptions { Temperature = 0 } },
            });
            ModelComparisonReport report = await harness.RunAsync(items, candidates, cancellationToken);
            if (useRag && items.Any(i => i.RelevantDocuments.Count > 0))
            {
                report = await AddRetrievalMetricsAsync(report, [.. candidates.Select(c => c.Name)], candidates[0].Name, items, stack.Retriever, cancellationToken);
            }

            if (baseline is not null)
            {
                try
                {
                    report = report.CompareWith(baseline, maxDrops);
                }
                catch (ArgumentException e)
                {
                    throw new CliException($"--baseline: {e.Message.Split(" (Parameter", 2)[0]}");
                }
            }

            await report.WriteAsync(outputDirectory, cancellationToken);

            // A copy of the JSON for the dashboard's list of reports (llmstack serve, /dashboard), named by the time of the run.
            string reports = Path.Combine(stack.DataDirectory, stack.Options.Server.EvaluationReportsDirectory);
            Directory.CreateDirectory(reports);
            string stem = Path.Combine(reports, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Path.GetFileNameWithoutExtension(path)}");
            string saved = stem + ".json";
            for (int n = 2; File.Exists(saved); n++)
            {
                saved = $"{stem}-{n}.json";
            }

            File.Copy(Path.Combine(outputDirectory, "report.json"), saved);

            await _out.WriteLineAsync(report.ToMarkdown());
            Console.MarkupLineInterpolated($"Report written to [blue]{outputDirectory}[/] (report.md, report.csv, report.json, report.html); its JSON also to [blue]{saved}[/] for the dashboard.");
            if (report.Baseline is { HasRegression: true } comparison)
            {
                await _error.WriteLineAsync("error: regression against the baseline: " + string.Join("; ", comparison.Metrics.Where(m => m.Regressed).Select(m =>
                    $"{m.Model} {m.Metric} dropped {m.Drop.ToString("0.####", CultureInfo.InvariantCulture)} (--max-drop {m.MaxDrop!.Value.ToString("0.####", CultureInfo.InvariantCulture)})")) + $"; {comparison.Items.Count} {(comparison.Items.Count == 1 ? "question" : "questions")} got worse (see report.md).");
                return CliExitCodes.Regression;
            }

            return 0;
        });
        return command;
    }

    /// <summary>The configured named chat models to compare: all of them, or those <c>--models</c> lists (each must be configured).</summary>
    private static IReadOnlyList<string> SelectNamedModels(CliStack stack, string? list)
    {
        ICollection<string> configured = stack.Options.ChatModels.Keys;
        if (list is null)
        {
            return [.. configured];
        }

        string[] names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            throw new CliException("--models is empty: name one or more models of LlmStack:ChatModels, separated by commas.");
        }

        foreach (string name in names)
        {
            if (!stack.Options.ChatModels.ContainsKey(name))
            {
                string known = configured.Count == 0 ? "none is configured" : "configured: " + string.Join(", ", configured);
                throw new CliException($"--models names '{name}', which is not a model of LlmStack:ChatModels ({known}).");
            }
        }

        return [.. names.Select(n => configured.First(c => string.Equals(c, n, StringComparison.OrdinalIgnoreCase))).Distinct()];
    }

    /// <summary>Parses <c>--max-drop rougeL=0.02,hit@3=0.05</c>.</summary>
    private static Dictionary<string, double> ParseMaxDrops(string? text)
    {
        var drops = new Dictionary<string, double>(StringComparer.Ordinal);
        if (text is null)
        {
            return drops;
        }

        foreach (string pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double drop) || !double.IsFinite(drop) || drop < 0)
            {
                throw new CliException($"--max-drop takes NAME=NUMBER pairs separated by commas, each number at least 0, such as rougeL=0.02,hit@3=0.05; '{pair}' is not one.");
            }

            drops[parts[0]] = drop;
        }

        if (drops.Count == 0)
        {
            throw new CliException("--max-drop is empty: give NAME=NUMBER pairs such as rougeL=0.02,hit@3=0.05.");
        }

        return drops;
    }

    /// <summary>Reads the baseline report and checks that each gated metric is one of its metrics.</summary>
    private static async Task<ModelComparisonReport> LoadBaselineAsync(string path, Dictionary<string, double> maxDrops, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"The baseline '{path}' does not exist: give the report.json of an earlier llmstack eval run.");
        }

        ModelComparisonReport baseline;
        try
        {
            baseline = await ModelComparisonReport.LoadJsonAsync(path, cancellationToken);
        }
        catch (FormatException e)
        {
            throw new CliException($"--baseline: {e.Message}");
        }

        foreach (string name in maxDrops.Keys)
        {
            if (BaselineComparison.FindMetric(name, baseline.MetricNames) is null)
            {
                throw new CliException($"--max-drop names '{name}', which is not a metric of the baseline; it has: {string.Join(", ", baseline.MetricNames)}.");
            }
        }

        return baseline;
    }

    /// <summary>
    /// Adds hit@3 and MRR@10 to the RAG candidate's record of each item that names the documents holding its answer:
    /// the ranks of those documents among the chunks the stack's retriever returns for the item's question.
    /// A candidate without retrieval gets none (its summary shows n/a).
    /// </summary>
    private static async Task<ModelComparisonReport> AddRetrievalMetricsAsync(
        ModelComparisonReport report, string[] models, string ragModel, IReadOnlyList<EvaluationDatasetItem> items, IRetriever retriever, CancellationToken cancellationToken)
    {
        var byId = items.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var records = new List<ModelRunRecord>(report.Records.Count);
        foreach (ModelRunRecord record in report.Records)
        {
            if (record.Model != ragModel || !byId.TryGetValue(record.ItemId, out EvaluationDatasetItem? item) || item.RelevantDocuments.Count == 0
                || item.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text is not { Length: > 0 } question)
            {
                records.Add(record);
                continue;
            }

            IReadOnlyList<RetrievedChunk> found = await retriever.RetrieveAsync(question, new RetrievalOptions { Top = 10 }, cancellationToken);
            string[] ranked = [.. found.Select(c => item.RelevantDocuments.FirstOrDefault(d => IsDocument(c.Chunk.DocumentId, d)) ?? c.Chunk.DocumentId)];
            Dictionary<string, double> relevance = item.RelevantDocuments.Distinct(StringComparer.Ordinal).ToDictionary(d => d, _ => 1.0, StringComparer.Ordinal);
            var metrics = new Dictionary<string, double>(record.Metrics, StringComparer.Ordinal)
            {
                ["hit@3"] = RetrievalMetrics.Compute(ranked, relevance, 3).HitRate,
                ["MRR@10"] = RetrievalMetrics.Compute(ranked, relevance, 10).ReciprocalRank,
            };
            records.Add(record with { Metrics = metrics });
        }

        return ModelComparisonReport.Create(records, models).WithBias(report.Bias);
    }

    /// <summary>Whether a chunk's document id is the dataset's document: the same id, file name, or file name without its extension.</summary>
    private static bool IsDocument(string documentId, string wanted) =>
        string.Equals(documentId, wanted, StringComparison.Ordinal)
        || string.Equals(Path.GetFileName(documentId), wanted, StringComparison.Ordinal)
        || string.Equals(Path.GetFileNameWithoutExtension(documentId), wanted, StringComparison.Ordinal);
}
