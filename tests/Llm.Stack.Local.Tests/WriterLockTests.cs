using System.Diagnostics;

namespace Llm.Stack.Local.Tests;

/// <summary>One writer at a time across processes; readers keep working on the last commit meanwhile.</summary>
public sealed class WriterLockTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_second_ingest_process_waits_for_the_first_and_the_index_equals_a_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        Assert.Equal(0, (await TestFolder.RunHostAsync("ingest", _folder.Path("clean"), docs)).ExitCode);
        string clean = await TestFolder.DumpAsync(_folder.Path("clean"));
        string data = _folder.Path("data");

        using Process first = TestFolder.StartHost("ingest", data, docs, "--delay-ms", "250");
        Task<string> firstError = first.StandardError.ReadToEndAsync();
        // The first holds the lock once it reports its first document.
        string? line = await first.StandardOutput.ReadLineAsync();
        Assert.NotNull(line);
        Task<string> firstOutput = first.StandardOutput.ReadToEndAsync();
        HostResult second = await TestFolder.RunHostAsync("ingest", data, docs);
        await first.WaitForExitAsync();

        Assert.Equal(0, first.ExitCode);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("waiting: Another process is ingesting into", second.Error, StringComparison.Ordinal);
        // The second continued from the first's commit: nothing left to do.
        Assert.All(second.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipLast(1), l => Assert.StartsWith("Unchanged ", l, StringComparison.Ordinal));
        Assert.Equal(clean, await TestFolder.DumpAsync(data));
        _ = await firstOutput + await firstError;
    }

    [Fact]
    public async Task With_no_wait_a_second_ingest_fails_clearly_and_readers_see_the_last_commit()
    {
        string data = _folder.Path("data");
        string old = _folder.WriteCorpus("old", 1);
        Assert.Equal(0, (await TestFolder.RunHostAsync("ingest", data, old)).ExitCode);
        string committed = await TestFolder.DumpAsync(data);
        string docs = _folder.WriteCorpus("docs", 2);

        using Process writer = TestFolder.StartHost("ingest", data, docs, "--delay-ms", "300", "--checkpoint", "1000");
        Task<string> error = writer.StandardError.ReadToEndAsync();
        Assert.NotNull(await writer.StandardOutput.ReadLineAsync());
        Task<string> output = writer.StandardOutput.ReadToEndAsync();

        HostResult refused = await TestFolder.RunHostAsync("ingest", data, docs, "--no-wait");
        // A reader in this process: it takes no lock and sees the last committed state.
        using var reader = new LocalIndex(data, new DeterministicEmbedder());
        string seen = string.Join('\n', await IngestHost.DescribeAsync(reader)) + "\n";
        IReadOnlyList<RetrievedChunk> hits = await reader.CreateRetriever().RetrieveAsync("Paragraph 3 about b");
        bool writerStillRunning = !writer.HasExited;
        await writer.WaitForExitAsync();

        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("locked: Another process is ingesting into", refused.Error, StringComparison.Ordinal);
        Assert.True(writerStillRunning, "the reader must have run while the writer held the lock");
        Assert.Equal(committed, seen);
        Assert.NotEmpty(hits);
        Assert.Equal(0, writer.ExitCode);
        _ = await output + await error;
    }
}
