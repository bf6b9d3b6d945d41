using System.CommandLine;
using Microsoft.Extensions.AI;
using Llm.Stack.Local;
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
            LocalIndexMetadata? metadata = index.ReadMetadata();

            var table = new Table().Border(TableBorder.Rounded).AddColumn("setting").AddColumn("value");
            table.AddRow("embedder", Markup.Escape(DescribeEmbedder(options.Embeddings)));
            table.AddRow("chat model", Markup.Escape(DescribeChat(options.Chat)));
            table.AddRow("data directory", Markup.Escape(stack.DataDirectory));
            if (metadata is null || !File.Exists(index.SnapshotPath))
            {
                table.AddRow("index", "[grey]empty (run llmstack ingest <paths>)[/]");
            }
            else
            {
                var size = new FileInfo(index.SnapshotPath).Length;
                table.AddRow("index", Markup.Escape($"{metadata.Chunks} chunks, {size / 1024.0 / 1024.0:0.0} MB, saved {metadata.SavedAt:u}"));
                table.AddRow("index embedder", Markup.Escape($"{metadata.EmbeddingModel} ({metadata.Dimensions} dimensions)"));
                table.AddRow("index file", Markup.Escape(index.SnapshotPath));
            }

            Console.Write(table);
            await Task.CompletedTask;
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
