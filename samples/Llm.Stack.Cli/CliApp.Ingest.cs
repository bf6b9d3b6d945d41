using System.CommandLine;
using System.Diagnostics;
using Llm.Stack.Local;
using Microsoft.Extensions.VectorData;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    /// <summary>The exit code when another process is ingesting into the data folder and --no-wait was given.</summary>
    private const int IndexBusyExitCode = 4;

    /// <summary>The exit code when the index cannot be written (full disk, read-only folder); the last committed index is kept.</summary>
    private const int IndexWriteFailedExitCode = 5;

    private readonly Option<bool> _rebuildOption = new("--rebuild") { Description = "Delete the index and re-embed every document (needed after changing the embedder)." };
    private readonly Option<string[]> _includeOption = new("--include") { Description = "Glob patterns of files to ingest (default: every supported file).", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string[]> _excludeOption = new("--exclude") { Description = "Glob patterns of files to leave out.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<bool> _noWaitOption = new("--no-wait") { Description = "Fail at once when another process is ingesting into the same data folder, instead of waiting for it." };

    private Command BuildIngestCommand()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders to ingest. The index then mirrors them: documents no longer there are removed.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("ingest", "Read, chunk and embed documents into the local index (incremental: unchanged files are skipped).")
        {
            paths, _rebuildOption, _includeOption, _excludeOption, _noWaitOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
            if (parsed.GetValue(_noWaitOption))
            {
                stack.Index.WriterLockTimeout = TimeSpan.Zero;
            }

            IngestSummary summary = await IngestAsync(stack, parsed.GetRequiredValue(paths), parsed.GetValue(_rebuildOption), parsed.GetValue(_includeOption), parsed.GetValue(_excludeOption), showProgress: true, cancellationToken);
            return summary.Failed > 0 ? 3 : 0;
        });
        return command;
    }

    /// <summary>Ingests <paramref name="paths"/> into the stack's index and prints a summary; saves even when cancelled.</summary>
    private async Task<IngestSummary> IngestAsync(CliStack stack, IReadOnlyList<string> paths, bool rebuild, string[]? include, string[]? exclude, bool showProgress, CancellationToken cancellationToken)
    {
        var roots = new List<string>();
        foreach (string path in paths)
        {
            string full = Path.GetFullPath(path, _workingDirectory);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                throw new CliException($"The path '{path}' does not exist.");
            }

            roots.Add(full);
        }

        LocalIndex index = stack.Index;
        await OpenIndexAsync(index, rebuild, cancellationToken);

        // Document ids are paths relative to each root (a file given alone is its file name), whatever the working directory.
        var skipped = new List<string>();
        var sourceOptions = new FileSystemDocumentSourceOptions { FileSkipped = (path, reason) => skipped.Add($"{path}: {reason}") };
        foreach (string root in roots)
        {
            sourceOptions.Roots.Add(root);
        }

        foreach (string pattern in include ?? [])
        {
            sourceOptions.Include.Add(pattern);
        }

        foreach (string pattern in exclude ?? [])
        {
            sourceOptions.Exclude.Add(pattern);
        }

        var source = new FileSystemDocumentSource(sourceOptions);
        var files = new List<SourceFile>();
        try
        {
            await foreach (SourceFile file in source.EnumerateFilesAsync(cancellationToken))
            {
                files.Add(file);
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"A path cannot be read: {e.Message}");
        }

        foreach (string file in skipped)
        {
            await _error.WriteLineAsync($"skipped: {file}");
        }

        var summary = new IngestSummary();
        var stopwatch = Stopwatch.StartNew();
        IngestionProgress last = default;
        // Merged over the configured defaults (LlmStack:Ingestion), which AddLocalDefaults makes one document at a time.
        var options = new IngestionOptions { Progress = new Progress<IngestionProgress>(p => last = p) };

        async Task RunAsync(ProgressTask? task)
        {
            // Each item carries the content hash computed above: an unchanged file is not read again.
            IAsyncEnumerable<IngestionItem> items = files.Select(FileSystemDocumentSource.CreateItem).ToAsyncEnumerable();

            // LocalIndex commits every few hundred chunks and when the run ends, also when it is cancelled (Ctrl-C):
            // the next run resumes from the last commit.
            try
            {
                await foreach (IngestionResult result in index.IngestAsync(stack.Ingestion, items, options, cancellationToken))
                {
                    summary.Add(result);
                    if (result.Status == IngestionStatus.Failed)
                    {
                        summary.Errors.Add($"{result.Source?.LocalPath ?? result.DocumentId}: {result.Error?.Message}");
                    }

                    if (result.TextEncoding is { } encoding && !encoding.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
                    {
                        // A file that is not UTF-8 (the Windows-1252 fallback, or UTF-16 by its byte-order mark) is said per file.
                        summary.Encodings.Add($"{result.Source?.LocalPath ?? result.DocumentId}: read as {encoding}");
                    }

                    if (task is not null)
                    {
                        task.Increment(result.Status == IngestionStatus.Removed ? 0 : 1);
                        task.Description = $"documents [grey]({summary.Chunks} chunks, {last.EmbeddingsPerSecond:0} embeddings/s)[/]";
                    }
                }
            }
            catch (IndexLockedException e)
            {
                throw new CliException(e.Message, IndexBusyExitCode);
            }
            catch (EmbedderMismatchException e)
            {
                // Another process recorded another embedder in the store while this one waited for the writer lease.
                throw EmbedderMismatch(index, e);
            }
            catch (TimeoutException e)
            {
                // The writer lease of a store that keeps the ingestion state (LlmStack:VectorStore:IngestionState=store).
                throw new CliException(e.Message, IndexBusyExitCode);
            }
            catch (IOException e)
            {
                throw new CliException(e.Message, IndexWriteFailedExitCode);
            }
        }

        index.WaitingForWriter = message => _error.WriteLine(message);
        if (showProgress && Console.Profile.Capabilities.Interactive)
        {
            await Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx => await RunAsync(ctx.AddTask("documents", maxValue: Math.Max(1, files.Count))));
        }
        else
        {
            await RunAsync(null);
        }

        if (showProgress)
        {
            Console.MarkupLineInterpolated($"Ingested {files.Count} file(s) in {stopwatch.Elapsed.TotalSeconds:0.0} s: [green]{summary.Added} added[/], [yellow]{summary.Changed} changed[/], {summary.Unchanged} unchanged, [blue]{summary.Removed} removed[/], [red]{summary.Failed} failed[/]; {summary.Chunks} chunks embedded; index: {index.Count} chunks in {DescribeIndexLocation(index)}");
        }

        foreach (string encoding in summary.Encodings)
        {
            await _error.WriteLineAsync($"encoding: {encoding}");
        }

        foreach (string error in summary.Errors)
        {
            await _error.WriteLineAsync($"failed: {error}");
        }

        return summary;
    }

    /// <summary>Opens the index, turning the library's errors into the CLI's advice.</summary>
    private async Task OpenIndexAsync(LocalIndex index, bool rebuild, CancellationToken cancellationToken)
    {
        try
        {
            await index.OpenAsync(rebuild, cancellationToken);
        }
        catch (EmbedderMismatchException e)
        {
            throw EmbedderMismatch(index, e);
        }

        foreach (string problem in index.LastCheck?.Problems ?? [])
        {
            await _error.WriteLineAsync($"index check: {problem}");
        }
    }

    /// <summary>The one-line advice for an index whose chunks were embedded by another embedder than the configured one.</summary>
    private static CliException EmbedderMismatch(LocalIndex index, EmbedderMismatchException e) => new(
        $"The index in {DescribeIndexLocation(index)} was built with the embedder '{e.IndexModel}' ({e.IndexDimensions} dimensions), " +
        $"but the configured embedder is '{e.ConfiguredModel}' ({e.ConfiguredDimensions} dimensions). Vectors of different embedders " +
        "cannot be compared: run the command again with --rebuild to re-embed every document.");

    /// <summary>
    /// Where the index's chunks live: its data folder when the index saves them itself, else the collection of the
    /// store (a server such as PostgreSQL or Chroma) that keeps them.
    /// </summary>
    private static string DescribeIndexLocation(LocalIndex index)
    {
        if (index.SavesSnapshots)
        {
            return $"'{index.DataDirectory}'";
        }

        string system = (index.Store.GetService(typeof(VectorStoreMetadata)) as VectorStoreMetadata)?.VectorStoreSystemName ?? index.Store.GetType().Name;
        return $"{system} collection '{index.CollectionName}'";
    }

    private sealed class IngestSummary
    {
        public int Added { get; private set; }

        public int Changed { get; private set; }

        public int Unchanged { get; private set; }

        public int Removed { get; private set; }

        public int Failed { get; private set; }

        public long Chunks { get; private set; }

        public List<string> Errors { get; } = [];

        public List<string> Encodings { get; } = [];

        public void Add(IngestionResult result)
        {
            switch (result.Status)
            {
                case IngestionStatus.Added:
                    Added++;
                    Chunks += result.ChunkCount - result.ReusedEmbeddings;
                    break;
                case IngestionStatus.Changed:
                    Changed++;
                    Chunks += result.ChunkCount - result.ReusedEmbeddings;
                    break;
                case IngestionStatus.Unchanged:
                case IngestionStatus.Skipped:
                    Unchanged++;
                    break;
                case IngestionStatus.Removed:
                    Removed++;
                    break;
                case IngestionStatus.Failed:
                    Failed++;
                    break;
            }
        }
    }
}
