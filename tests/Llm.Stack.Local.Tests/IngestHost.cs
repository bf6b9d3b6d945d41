using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Llm.Stack.VectorIndex;

namespace Llm.Stack.Local.Tests;

/// <summary>
/// The entry point of the test assembly run as a process: the small ingest host the crash, lock and convergence tests
/// start (and kill with SIGKILL). It uses the real <see cref="LocalIndex"/> and <see cref="IngestionPipeline"/> with a
/// deterministic embedder, because the embedder is not under test.
/// </summary>
/// <remarks>
/// <c>ingest DATA DOCS [--no-wait] [--delay-ms N] [--checkpoint N] [--app-store] [--hold]</c> ingests the folder DOCS into DATA (exit 0; 3 when a
/// document failed; 4 when the folder is locked and --no-wait was given; 5 when the index cannot be written). With
/// <c>--hold</c>, its first embedding call (the writer lock held, nothing of the run written yet) prints <c>holding</c> and
/// waits for a line on its standard input before it goes on, so that tests order processes by signals, not by sleeps.
/// <c>dump DATA [--app-store] [--committed]</c> opens the index read-only and prints the self-check's problems (<c>problem: …</c>) and one line per
/// chunk (<c>key TAB sha256(text)</c>) in key order, then <c>documents N</c>, then with <c>--committed</c> one <c>committed KEY</c> line per chunk the state counts as indexed. With <c>--app-store</c>, the chunks live in
/// an application's store that persists itself, lazily (an in-memory store saving to <c>DATA/store</c> a few
/// milliseconds after each change), so that a kill can leave it behind or ahead of the committed ingestion state.
/// </remarks>
internal static class IngestHost
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 2)
        {
            await Console.Error.WriteLineAsync("usage: ingest DATA DOCS [--no-wait] [--delay-ms N] [--checkpoint N] | dump DATA");
            return 2;
        }

        return args[0] switch
        {
            "ingest" => await IngestAsync(args[1], args[2], args[3..]),
            "dump" => await DumpAsync(args[1], args[2..]),
            _ => 2,
        };
    }

    public static IngestionPipeline NewPipeline(DeterministicEmbedder embedder) =>
        new(embedder, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 48 }));

    /// <summary>The index's chunks as sorted <c>key TAB sha256(text)</c> lines, after the problems its self-check found.</summary>
    public static async Task<List<string>> DescribeAsync(LocalIndex index)
    {
        await index.OpenAsync();
        var lines = new List<string>();
        lines.AddRange(index.LastCheck!.Problems.Select(p => "problem: " + p));
        var chunks = new List<string>();
        await foreach (ChunkRecord record in index.Collection.GetAsync(r => r.DocumentId != string.Empty, Math.Max(1, index.Count)))
        {
            chunks.Add(record.Key + "\t" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(record.Text))));
        }

        chunks.Sort(StringComparer.Ordinal);
        lines.AddRange(chunks);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"documents {index.DocumentCount}"));
        return lines;
    }

    private static async Task<int> IngestAsync(string data, string docs, string[] options)
    {
        int delay = IntOption(options, "--delay-ms", 0);
        var embedder = new DeterministicEmbedder(TimeSpan.FromMilliseconds(delay))
        {
            BeforeFirstCall = options.Contains("--hold") ? HoldAsync : null,
        };
        using InMemoryVectorStore? store = AppStore(data, options);
        using var index = new LocalIndex(data, embedder, store: store);
        if (options.Contains("--no-wait"))
        {
            index.WriterLockTimeout = TimeSpan.Zero;
        }

        index.WaitingForWriter = message => Console.Error.WriteLine("waiting: " + message);
        var source = new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { docs } });
        var ingestion = new IngestionOptions { MaxDegreeOfParallelism = 1, EmbeddingBatchSize = 4, CheckpointInterval = IntOption(options, "--checkpoint", 8) };
        int failed = 0;
        try
        {
            await foreach (IngestionResult result in index.IngestAsync(NewPipeline(embedder), source.EnumerateItemsAsync(), ingestion))
            {
                Console.WriteLine($"{result.Status} {result.DocumentId}");
                if (result.Status == IngestionStatus.Failed)
                {
                    failed++;
                    await Console.Error.WriteLineAsync($"failed: {result.DocumentId}: {result.Error?.Message}");
                }
            }
        }
        catch (IndexLockedException e)
        {
            await Console.Error.WriteLineAsync("locked: " + e.Message);
            return 4;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync("io: " + e.Message);
            return 5;
        }

        Console.WriteLine("done");
        return failed > 0 ? 3 : 0;
    }

    /// <summary>Says <c>holding</c> and waits for a line on the standard input: the run holds the writer lock meanwhile.</summary>
    private static async Task HoldAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine("holding");
        await Console.In.ReadLineAsync(cancellationToken);
    }

    /// <summary>The application's own store that persists itself, when <c>--app-store</c> is given.</summary>
    public static InMemoryVectorStore? AppStore(string data, string[] options) => options.Contains("--app-store")
        ? new InMemoryVectorStore(new InMemoryVectorStoreOptions { PersistenceDirectory = Path.Combine(data, "store"), PersistenceInterval = TimeSpan.FromMilliseconds(40) })
        : null;

    private static async Task<int> DumpAsync(string data, string[] options)
    {
        using InMemoryVectorStore? store = AppStore(data, options);
        using var index = new LocalIndex(data, new DeterministicEmbedder(), store: store);
        foreach (string line in await DescribeAsync(index))
        {
            Console.WriteLine(line);
        }

        if (options.Contains("--committed"))
        {
            // What the state counts as indexed, after the open's self-check.
            foreach (string id in index.State.GetDocumentIds())
            {
                foreach (string key in index.State.GetCommittedChunkKeys(id))
                {
                    Console.WriteLine("committed " + key);
                }
            }
        }

        return 0;
    }

    private static int IntOption(string[] options, string name, int fallback)
    {
        int i = Array.IndexOf(options, name);
        return i >= 0 && i + 1 < options.Length ? int.Parse(options[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
