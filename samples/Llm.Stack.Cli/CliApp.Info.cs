using System.CommandLine;
using Microsoft.Extensions.AI;
using Llm.Stack.Local;
using Llm.Stack.VectorIndex;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private Command BuildInfoCommand()
    {
        var command = new Command("info", "Show the embedder, the index (size and location) and the configured chat model.");
        command.SetAction(async (parsed, cancellationToken) =>
        {
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            LlmStackOptions options = stack.Options;
            LocalIndex index = stack.Index;

            var table = new Table().Border(TableBorder.Rounded).AddColumn("setting").AddColumn("value");
            table.AddRow("embedder", Markup.Escape(DescribeEmbedder(options.Embeddings)));
            table.AddRow("chat model", Markup.Escape(DescribeChat(options.Chat)));
            table.AddRow("data directory", Markup.Escape(stack.DataDirectory));
            try
            {
                // Opening reads the committed generation and runs the self-check; it writes nothing.
                await index.OpenAsync(cancellationToken: cancellationToken);
                LocalIndexCheck check = index.LastCheck!;
                LocalIndexMetadata? metadata = null;
                try
                {
                    metadata = index.ReadMetadata();
                }
                catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    // Reported by the check.
                }

                if (index.Count == 0 && check.IsHealthy)
                {
                    table.AddRow("index", "[grey]empty (run llmstack ingest <paths>)[/]");
                }
                else
                {
                    string saved = metadata is null ? string.Empty : $", committed {metadata.SavedAt:u}";
                    table.AddRow("index", Markup.Escape($"{check.Documents} documents, {check.Chunks} chunks, generation {check.Generation}{saved}"));
                    if (metadata is not null)
                    {
                        table.AddRow("index embedder", Markup.Escape($"{metadata.EmbeddingModel} ({metadata.Dimensions} dimensions)"));
                    }

                    if (index.Store is InMemoryVectorStore memory && memory.GetCollectionInfo(index.CollectionName) is { } collection)
                    {
                        // The index as it is searched now (LlmStack:VectorStore:IndexKind): a flat index saved earlier gets
                        // its graph when it is opened as hnsw.
                        table.AddRow("index kind", Markup.Escape(string.Join(", ", collection.VectorProperties.Select(v => v.Quantization == VectorQuantization.None
                            ? $"{v.IndexKind} ({v.DistanceFunction})"
                            : $"{v.IndexKind} ({v.DistanceFunction}, {v.Quantization.ToString().ToLowerInvariant()} codes rescored with float32)"))));
                    }

                    if (File.Exists(index.SnapshotPath))
                    {
                        table.AddRow("index file", Markup.Escape($"{index.SnapshotPath} ({new FileInfo(index.SnapshotPath).Length / 1024.0 / 1024.0:0.0} MB)"));
                    }
                }

                table.AddRow("index check", check.IsHealthy
                    ? "[green]ok[/]: state and chunks agree"
                    : Markup.Escape("repair needed: " + string.Join(" ", check.Problems)));
            }
            catch (EmbedderMismatchException e)
            {
                table.AddRow("index", Markup.Escape($"built with '{e.IndexModel}' ({e.IndexDimensions} dimensions), not the configured embedder: ingest with --rebuild"));
            }

            Console.Write(table);
            return 0;
        });
        return command;
    }

    private static string DescribeEmbedder(EmbeddingModelSettings settings) => (settings.Provider ?? EmbeddingProviders.MiniLm).ToLowerInvariant() switch
    {
        EmbeddingProviders.MiniLm => "all-MiniLM-L6-v2, built in (ONNX, 384 dimensions, offline)",
        EmbeddingProviders.Onnx => $"ONNX model in {settings.ModelPath}",
        _ => $"{settings.Model} at {settings.Endpoint}",
    };

    private static string DescribeChat(ChatModelSettings settings) => settings.Provider.ToLowerInvariant() switch
    {
        ChatProviders.None => "none: answers are extractive (configure LlmStack:Chat, LLMSTACK_ENDPOINT or --model DIR)",
        ChatProviders.Onnx => $"local ONNX Runtime GenAI model in {settings.ModelPath}",
        _ => $"{settings.Model} at {settings.Endpoint}",
    };
}
