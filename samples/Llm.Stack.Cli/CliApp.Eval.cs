using System.CommandLine;
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
        var command = new Command("eval", "Run a dataset through the configured model(s) and report BLEU, ROUGE, exact match, token F1, latency, tokens and cost.")
        {
            dataset, output, noRag, models, _docsOption,
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
            var harness = new ModelComparisonHarness(new ModelComparisonOptions { ResultsPath = Path.Combine(outputDirectory, "results.jsonl") });
            ModelComparisonReport report = await harness.RunAsync(items, candidates, cancellationToken);
            await report.WriteAsync(outputDirectory, cancellationToken);

            await _out.WriteLineAsync(report.ToMarkdown());
            Console.MarkupLineInterpolated($"Report written to [blue]{outputDirectory}[/] (report.md, report.csv, report.json, report.html).");
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
}
