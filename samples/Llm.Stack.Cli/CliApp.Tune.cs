using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.VectorData;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private static readonly JsonSerializerOptions PairJson = new(JsonSerializerDefaults.Web);

    private Command BuildTuneEmbeddingsCommand()
    {
        var pairs = new Argument<string>("pairs") { Description = "A JSON Lines file of labelled pairs, one {\"query\": \"…\", \"passage\": \"…\"} per line; each passage is matched to the indexed chunks by its text." };
        var output = new Option<string>("--out") { Description = "Where to write the adapter.", Required = true };
        var rank = new Option<int>("--rank") { Description = "0 (the default) for a full linear map; 8 to 64 for a smaller low-rank one.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "The seed of the split and the training order; equal seeds give equal adapters.", DefaultValueFactory = _ => 1 };
        var command = new Command("tune-embeddings", "Train an embedding adapter from labelled (query, passage) pairs against the current index, print the before/after report, and save the adapter when it beats the base embedder on held-out pairs.")
        {
            pairs, output, rank, seed, _docsOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string path = Path.GetFullPath(parsed.GetRequiredValue(pairs), _workingDirectory);
            string target = Path.GetFullPath(parsed.GetRequiredValue(output), _workingDirectory);
            IReadOnlyList<EmbeddingTrainingPair> labelled = await ReadPairsAsync(path, cancellationToken);
            var options = new EmbeddingAdapterTrainerOptions { Rank = parsed.GetValue(rank), Seed = parsed.GetValue(seed) };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new CliException($"--{e.ParamName?.ToLowerInvariant()}: {e.Message.Split(" (Parameter", 2)[0]}");
            }

            // The adapter is trained for the base embedder: an adapter already configured is left out.
            IConfigurationRoot configuration = LoadConfiguration(parsed);
            IConfiguration baseConfiguration = new ConfigurationBuilder()
                .AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["LlmStack:Embeddings:Adapter"] = null })
                .Build();
            await using CliStack stack = CliStack.Create(baseConfiguration, _workingDirectory);
            await PrepareIndexAsync(stack, parsed, cancellationToken);

            var corpus = new List<EmbeddedPassage>(stack.Index.Count);
            var read = new FilteredRecordRetrievalOptions<ChunkRecord> { IncludeVectors = true };
            await foreach (ChunkRecord record in stack.Index.Collection.GetAsync(r => r.DocumentId != string.Empty, Math.Max(1, stack.Index.Count), read, cancellationToken))
            {
                corpus.Add(new EmbeddedPassage(WithoutSectionPrefix(record), record.Embedding));
            }

            EmbeddingAdapterTrainingResult result;
            try
            {
                result = await new EmbeddingAdapterTrainer(options).TrainAsync(stack.Embedder, labelled, corpus, cancellationToken);
            }
            catch (ArgumentException e) when (e.ParamName == "pairs")
            {
                throw new CliException($"{e.Message.Split(" (Parameter", 2)[0]} Check that the pairs' passages are texts of the ingested documents ({path}).");
            }

            WriteTuningReport(result, corpus.Count);
            if (result.Adapter is not { } adapter)
            {
                await _error.WriteLineAsync("The adapter does not rank the held-out pairs better than the base embedder, so it was not saved. More or more varied pairs may help.");
                return CliExitCodes.AdapterNotBetter;
            }

            await adapter.SaveAsync(target, cancellationToken);
            Console.MarkupLineInterpolated($"Saved the adapter to [blue]{target}[/]. Use it with --adapter {target}, or set LlmStack:Embeddings:Adapter; the index needs no re-embedding.");
            return CliExitCodes.Success;
        });
        return command;
    }

    private void WriteTuningReport(EmbeddingAdapterTrainingResult result, int passages)
    {
        EmbeddingAdapterReport report = result.Report;
        var table = new Table().AddColumns("pairs", "embedder", "hit@1", "hit@3", "MRR@10");
        void Row(string split, string embedder, EmbeddingRetrievalScores s) => table.AddRow(
            split, embedder, s.HitAt1.ToString("F3", CultureInfo.InvariantCulture), s.HitAt3.ToString("F3", CultureInfo.InvariantCulture), s.MrrAt10.ToString("F3", CultureInfo.InvariantCulture));
        Row($"held out ({report.ValidationExamples})", "base", report.BaseValidation);
        Row($"held out ({report.ValidationExamples})", "adapted", report.AdaptedValidation);
        Row($"trained on ({report.TrainingExamples})", "base", report.BaseTraining);
        Row($"trained on ({report.TrainingExamples})", "adapted", report.AdaptedTraining);
        Console.Write(table);
        Console.MarkupLineInterpolated(
            $"Ranked against {passages} indexed chunks; {report.Epochs} epochs in {report.Duration.TotalSeconds:F1} s, best epoch {report.BestEpoch}.");
        if (result.UnmatchedPairs.Count > 0)
        {
            Console.MarkupLineInterpolated($"[yellow]{result.UnmatchedPairs.Count} pairs matched no indexed chunk and were left out[/], such as: {Shorten(result.UnmatchedPairs[0].Passage, 120)}");
        }
    }

    /// <summary>The chunk's own text, without the section path the local chunker puts in front of it.</summary>
    private static string WithoutSectionPrefix(ChunkRecord record) =>
        !string.IsNullOrEmpty(record.SectionPath) && record.Text.StartsWith(record.SectionPath + "\n\n", StringComparison.Ordinal)
            ? record.Text[(record.SectionPath.Length + 2)..]
            : record.Text;

    private static async Task<IReadOnlyList<EmbeddingTrainingPair>> ReadPairsAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"The pairs file '{path}' does not exist.");
        }

        var pairs = new List<EmbeddingTrainingPair>();
        int number = 0;
        foreach (string line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            EmbeddingTrainingPair? pair;
            try
            {
                pair = JsonSerializer.Deserialize<EmbeddingTrainingPair>(line, PairJson);
            }
            catch (JsonException e)
            {
                throw new CliException($"Line {number} of '{path}' is not an object of the form {{\"query\": \"…\", \"passage\": \"…\"}} ({e.Path ?? "$"}).");
            }

            if (pair is null || string.IsNullOrWhiteSpace(pair.Query) || string.IsNullOrWhiteSpace(pair.Passage))
            {
                throw new CliException($"Line {number} of '{path}' needs a non-empty \"query\" and \"passage\".");
            }

            pairs.Add(pair);
        }

        return pairs.Count > 0 ? pairs : throw new CliException($"The pairs file '{path}' holds no pairs.");
    }
}
