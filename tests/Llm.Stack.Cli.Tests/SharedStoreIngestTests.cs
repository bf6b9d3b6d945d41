using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Llm.Stack.Chroma;
using Llm.Stack.Postgres;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// <c>llmstack ingest</c> as real processes against one real server, configured only through <c>LlmStack:VectorStore</c>
/// with the ingestion state in the store: each process has its own data folder, as on separate machines. Two at once
/// agree on what is indexed (one waits for the other's writer lease); a killed one is resumed by another from the
/// server's state.
/// </summary>
public abstract partial class SharedStoreIngestTests : IDisposable
{
    private const int Documents = 40;
    private const int ManyDocuments = 120;
    private readonly CliRunner _folder = new();
    private readonly string _collection = "cli_" + Guid.NewGuid().ToString("N")[..10];

    protected SharedStoreIngestTests() => WriteCorpus("docs", Documents);

    private void WriteCorpus(string folder, int count)
    {
        for (int i = 0; i < count; i++)
        {
            _folder.Write(
                string.Create(CultureInfo.InvariantCulture, $"{folder}/note-{i:D3}.md"),
                string.Create(CultureInfo.InvariantCulture, $"# Note {i}\n\nStation {i} measured {i * 7 % 31} earthquakes near volcano number {i}.\n\n## Ash\n\nThe ash cloud of event {i} reached {1000 + (i * 137)} metres and closed {i % 5} airports for {i % 3 + 1} days.\n"));
        }
    }

    /// <summary>Gets the configuration that points the CLI at the server (the collection name is added).</summary>
    protected abstract IReadOnlyDictionary<string, string> ServerSettings { get; }

    public void Dispose()
    {
        using (VectorStore store = CreateStore())
        {
            store.EnsureCollectionDeletedAsync(_collection).GetAwaiter().GetResult();
            store.EnsureCollectionDeletedAsync(_collection + "_state").GetAwaiter().GetResult();
        }

        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Two_ingest_processes_at_once_agree_on_what_is_indexed()
    {
        using Process first = StartIngest("first");
        using Process second = StartIngest("second");
        CliResult a = await FinishAsync(first);
        CliResult b = await FinishAsync(second);
        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());

        // One wrote every document; the other, let in after it, found them all unchanged and embedded nothing.
        Summary one = Summary.Parse(a.Output), two = Summary.Parse(b.Output);
        Assert.True(one.Added + two.Added == Documents && one.Unchanged + two.Unchanged == Documents, $"{a}\n{b}");
        Assert.Equal(0, Math.Min(one.Embedded, two.Embedded));
        Assert.Equal(one.IndexChunks, two.IndexChunks);
        await AssertServerHoldsExactlyAsync(one.IndexChunks, Documents);

        // The summary names where the chunks are: the server's collection, not the process's data folder.
        Assert.Contains($" collection '{_collection}'", a.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.Combine(_folder.WorkingDirectory, "first"), a.Output, StringComparison.Ordinal);

        Summary third = Summary.Parse(AssertSucceeded(await FinishAsync(StartIngest("third"))).Output);
        Assert.Equal((0, Documents, 0), (third.Added, third.Unchanged, third.Embedded));
    }

    [Fact]
    public async Task An_ingest_killed_midway_is_resumed_from_the_servers_state_by_another_process()
    {
        // Many documents and a checkpoint after every chunk, so that the server's state moves while the process runs.
        WriteCorpus("many", ManyDocuments);
        using Process killed = StartIngest("killed", "many", ("LlmStack:Ingestion:CheckpointInterval", "1"), ("LlmStack:Ingestion:EmbeddingBatchSize", "1"));
        using (VectorStore store = CreateStore())
        {
            using var state = new VectorStoreIngestionStateStore(store, _collection + "_state");
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (killed.HasExited)
                {
                    Assert.Fail($"The ingestion ended (exit {killed.ExitCode}) before it could be killed midway: {await killed.StandardError.ReadToEndAsync()}");
                }

                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "The ingestion committed nothing in 3 minutes.");
                IngestionState committed = await state.LoadAsync();
                if (committed.GetDocumentIds().Count(id => committed.GetCommittedChunkKeys(id).Count > 0) >= 3)
                {
                    break;
                }

                await Task.Delay(50);
            }
        }

        killed.Kill(entireProcessTree: true);
        await killed.WaitForExitAsync();

        // Another process (another data folder, as on another machine) takes over the dead writer's lease at once and
        // resumes: what was committed is unchanged, the rest is added.
        CliResult resumed = AssertSucceeded(await FinishAsync(StartIngest("resumed", "many")));
        Assert.DoesNotContain("waiting", resumed.Error, StringComparison.OrdinalIgnoreCase);
        Summary summary = Summary.Parse(resumed.Output);
        Assert.True(summary.Unchanged >= 3 && summary.Unchanged < ManyDocuments, resumed.ToString());
        Assert.Equal(ManyDocuments, summary.Added + summary.Changed + summary.Unchanged);
        await AssertServerHoldsExactlyAsync(summary.IndexChunks, ManyDocuments);

        Summary after = Summary.Parse(AssertSucceeded(await FinishAsync(StartIngest("after", "many"))).Output);
        Assert.Equal((0, ManyDocuments, 0, summary.IndexChunks), (after.Added, after.Unchanged, after.Embedded, after.IndexChunks));
    }

    protected abstract VectorStore CreateStore();

    private static CliResult AssertSucceeded(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static async Task<CliResult> FinishAsync(Process process)
    {
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>The chunk collection holds each chunk the state counts once, and every document has chunks.</summary>
    private async Task AssertServerHoldsExactlyAsync(int indexChunks, int documents)
    {
        using VectorStore store = CreateStore();
        VectorStoreCollection<string, ChunkRecord> chunks = store.GetCollection<string, ChunkRecord>(_collection, ChunkRecord.CreateDefinition(384));
        List<ChunkRecord> all = await chunks.GetAsync(r => r.DocumentId != string.Empty, 10_000).ToListAsync();
        Assert.Equal(indexChunks, all.Count);
        Assert.Equal(all.Count, all.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(documents, all.Select(r => r.DocumentId).Distinct(StringComparer.Ordinal).Count());
    }

    private Process StartIngest(string data, string docs = "docs", params (string Key, string Value)[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder.WorkingDirectory };
        foreach (string argument in new[] { typeof(CliApp).Assembly.Location, "ingest", docs, "--data", data })
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in ServerSettings.Select(s => (s.Key, s.Value))
            .Concat([("LlmStack:VectorStore:CollectionName", _collection), ("LlmStack:VectorStore:IngestionState", "store")])
            .Concat(settings))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("llmstack did not start.");
    }

    private readonly record struct Summary(int Added, int Changed, int Unchanged, int Embedded, int IndexChunks)
    {
        public static Summary Parse(string output)
        {
            Match m = SummaryLine().Match(output);
            Assert.True(m.Success, "No summary line in: " + output);
            int Group(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
            return new Summary(Group(1), Group(2), Group(3), Group(4), Group(5));
        }
    }

    [GeneratedRegex(@"(\d+) added, (\d+) changed, (\d+) unchanged, \d+ removed, \d+ failed; (\d+) chunks embedded; index: (\d+) chunks")]
    private static partial Regex SummaryLine();
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresSharedStoreIngestTests(PostgresServer server) : SharedStoreIngestTests
{
    protected override IReadOnlyDictionary<string, string> ServerSettings => new Dictionary<string, string>
    {
        ["LlmStack:VectorStore:Provider"] = "postgres",
        ["LlmStack:VectorStore:ConnectionString"] = server.ConnectionString,
    };

    protected override VectorStore CreateStore() => new PostgresVectorStore(server.ConnectionString);
}

[Collection(ChromaServerGroup.Name)]
public sealed class ChromaSharedStoreIngestTests(ChromaServer server) : SharedStoreIngestTests
{
    protected override IReadOnlyDictionary<string, string> ServerSettings => new Dictionary<string, string>
    {
        ["LlmStack:VectorStore:Provider"] = "chroma",
        ["LlmStack:VectorStore:Endpoint"] = server.Endpoint.ToString(),
    };

    protected override VectorStore CreateStore() => new ChromaVectorStore(server.Endpoint);
}
