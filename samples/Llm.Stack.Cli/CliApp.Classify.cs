using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private Command BuildTrainClassifierCommand()
    {
        var labelled = new Argument<string>("labelled") { Description = "A JSON Lines file of labelled texts, one {\"text\": \"…\", \"label\": \"…\"} per line: at least two labels, each with at least two texts (100–500 texts in all suit it)." };
        var output = new Option<string>("--out") { Description = "Where to write the classifier.", Required = true };
        var folds = new Option<int>("--folds") { Description = "The cross-validation folds of the report and the calibration, 2 to 20.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "The seed of the folds; equal seeds and texts give equal classifiers.", DefaultValueFactory = _ => 1 };
        var regularization = new Option<double>("--regularization") { Description = "The L2 penalty, in (0, 100]: higher is simpler and softer.", DefaultValueFactory = _ => 0.01 };
        var command = new Command("train-classifier", "Train a classifier of texts (logistic regression on the configured embedder's vectors) from labelled texts, print its k-fold cross-validation report, and save it.")
        {
            labelled, output, folds, seed, regularization,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string path = Path.GetFullPath(parsed.GetRequiredValue(labelled), _workingDirectory);
            string target = Path.GetFullPath(parsed.GetRequiredValue(output), _workingDirectory);
            var options = new EmbeddingClassifierTrainerOptions
            {
                Folds = parsed.GetValue(folds),
                Seed = parsed.GetValue(seed),
                Regularization = parsed.GetValue(regularization),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new CliException($"--{e.ParamName?.ToLowerInvariant()}: {e.Message.Split(" (Parameter", 2)[0]}");
            }

            IReadOnlyList<ClassificationExample> examples = await ReadLabelledAsync(path, labelRequired: true, cancellationToken);
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            EmbeddingClassifier classifier;
            try
            {
                classifier = await new EmbeddingClassifierTrainer(options).TrainAsync(stack.Embedder, examples, cancellationToken);
            }
            catch (ArgumentException e) when (e.ParamName is "labels" or "embeddings" or "examples")
            {
                throw new CliException($"{e.Message.Split(" (Parameter", 2)[0]} ({path})");
            }

            WriteClassifierReport(classifier.Report!);
            await classifier.SaveAsync(target, cancellationToken);
            Console.MarkupLineInterpolated($"Saved the classifier to [blue]{target}[/]. Use it with: llmstack classify {target} \"some text\"");
            return CliExitCodes.Success;
        });
        return command;
    }

    private Command BuildClassifyCommand()
    {
        var file = new Argument<string>("classifier") { Description = "A classifier file written by train-classifier, for the configured embedder." };
        var texts = new Argument<string[]>("texts") { Description = "The texts to classify.", Arity = ArgumentArity.ZeroOrMore };
        var input = new Option<string?>("--in") { Description = "A JSON Lines file of texts to classify, {\"text\": \"…\"} per line; lines with a \"label\" are also scored (accuracy, macro-F1)." };
        var command = new Command("classify", "Label texts with a classifier from train-classifier: each text's label and its calibrated probability.")
        {
            file, texts, input,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string path = Path.GetFullPath(parsed.GetRequiredValue(file), _workingDirectory);
            var examples = new List<ClassificationExample>();
            foreach (string text in parsed.GetValue(texts) ?? [])
            {
                examples.Add(string.IsNullOrWhiteSpace(text) ? throw new CliException("A text to classify is empty.") : new ClassificationExample(text, string.Empty));
            }

            if (parsed.GetValue(input) is { } inputPath)
            {
                examples.AddRange(await ReadLabelledAsync(Path.GetFullPath(inputPath, _workingDirectory), labelRequired: false, cancellationToken));
            }

            if (examples.Count == 0)
            {
                throw new CliException("Nothing to classify: give texts, or a file with --in.");
            }

            EmbeddingClassifier classifier = await LoadClassifierAsync(path, cancellationToken);
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            try
            {
                classifier.EnsureEmbedder(stack.Embedder);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException($"{path}: {e.Message}");
            }

            IReadOnlyList<EmbeddingClassifierPrediction> predictions = await classifier.ClassifyAllAsync(stack.Embedder, examples.Select(e => e.Text).ToArray(), cancellationToken);
            var table = new Table().AddColumns("label", "probability", "text");
            table.Columns[1].RightAligned();
            for (int i = 0; i < predictions.Count; i++)
            {
                table.AddRow(Markup.Escape(predictions[i].Label), predictions[i].Probability.ToString("F3", CultureInfo.InvariantCulture), Markup.Escape(Shorten(examples[i].Text, 100)));
            }

            Console.Write(table);
            int[] scored = [.. Enumerable.Range(0, examples.Count).Where(i => examples[i].Label.Length > 0)];
            if (scored.Length > 0)
            {
                (double accuracy, double macroF1) = Score([.. scored.Select(i => examples[i].Label)], [.. scored.Select(i => predictions[i].Label)]);
                Console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"On the {scored.Length} labelled texts: accuracy {accuracy:F3}, macro-F1 {macroF1:F3}.");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private void WriteClassifierReport(EmbeddingClassifierReport report)
    {
        var table = new Table().AddColumns("label", "texts", "precision", "recall", "F1");
        for (int c = 1; c < 5; c++)
        {
            table.Columns[c].RightAligned();
        }

        foreach (EmbeddingClassScores scores in report.Classes)
        {
            table.AddRow(
                Markup.Escape(scores.Label),
                scores.Support.ToString(CultureInfo.InvariantCulture),
                scores.Precision.ToString("F3", CultureInfo.InvariantCulture),
                scores.Recall.ToString("F3", CultureInfo.InvariantCulture),
                scores.F1.ToString("F3", CultureInfo.InvariantCulture));
        }

        Console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{report.Folds}-fold cross-validation on {report.Examples} texts (each predicted by a model that did not see it):");
        Console.Write(table);
        Console.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"accuracy {report.Accuracy:F3}, macro-F1 {report.MacroF1:F3}; log-loss {report.LogLoss:F3} after calibration ({report.LogLossBeforeCalibration:F3} before, temperature {report.Temperature:F2}), calibration error {report.CalibrationError:F3}; trained in {report.Duration.TotalSeconds:F1} s.");
    }

    /// <summary>Accuracy and macro-F1 (the mean F1 of the labels that occur as truth or prediction).</summary>
    private static (double Accuracy, double MacroF1) Score(string[] truth, string[] predicted)
    {
        double accuracy = truth.Zip(predicted, (t, p) => t == p ? 1.0 : 0.0).Average();
        double f1 = truth.Concat(predicted).Distinct(StringComparer.Ordinal).Average(label =>
        {
            int truePositives = truth.Zip(predicted).Count(p => p.First == label && p.Second == label);
            int support = truth.Count(t => t == label);
            int guessed = predicted.Count(p => p == label);
            return truePositives == 0 ? 0.0 : 2.0 * truePositives / (support + guessed);
        });
        return (accuracy, f1);
    }

    private static async Task<EmbeddingClassifier> LoadClassifierAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"The classifier file '{path}' does not exist. Train one with: llmstack train-classifier labelled.jsonl --out {Path.GetFileName(path)}");
        }

        try
        {
            return await EmbeddingClassifier.LoadAsync(path, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"'{path}' cannot be used as a classifier: {OneLine(e.Message)}");
        }
    }

    /// <summary>Reads <c>{"text", "label"}</c> lines; the label may be left out when <paramref name="labelRequired"/> is false (it is then empty).</summary>
    private static async Task<IReadOnlyList<ClassificationExample>> ReadLabelledAsync(string path, bool labelRequired, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"The file '{path}' does not exist.");
        }

        var examples = new List<ClassificationExample>();
        int number = 0;
        foreach (string line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            LabelledLine? item;
            try
            {
                item = JsonSerializer.Deserialize<LabelledLine>(line, PairJson);
            }
            catch (JsonException e)
            {
                throw new CliException($"Line {number} of '{path}' is not an object of the form {{\"text\": \"…\", \"label\": \"…\"}} ({e.Path ?? "$"}).");
            }

            if (item is null || string.IsNullOrWhiteSpace(item.Text) || (labelRequired && string.IsNullOrWhiteSpace(item.Label)))
            {
                throw new CliException(labelRequired
                    ? $"Line {number} of '{path}' needs a non-empty \"text\" and \"label\"."
                    : $"Line {number} of '{path}' needs a non-empty \"text\".");
            }

            examples.Add(new ClassificationExample(item.Text, item.Label?.Trim() ?? string.Empty));
        }

        return examples.Count > 0 ? examples : throw new CliException($"The file '{path}' holds no texts.");
    }

    /// <summary>One line of a labelled file.</summary>
    private sealed record LabelledLine(string? Text, string? Label);
}
