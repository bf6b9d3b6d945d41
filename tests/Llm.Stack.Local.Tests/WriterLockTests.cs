using System.Diagnostics;

namespace Llm.Stack.Local.Tests;

/// <summary>
/// One writer at a time across processes; readers keep working on the last commit meanwhile. The processes are ordered
/// by signals, never by sleeps: the writer holds the lock (<c>--hold</c>) until the test has seen what it waits for.
/// </summary>
public sealed class WriterLockTests : IDisposable
{
    /// <summary>Only a guard against a hung process: every step below waits for a signal, not for time to pass.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(3);

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_second_ingest_process_waits_for_the_first_and_the_index_equals_a_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        Assert.Equal(0, (await TestFolder.RunHostAsync("ingest", _folder.Path("clean"), docs)).ExitCode);
        string clean = await TestFolder.DumpAsync(_folder.Path("clean"));
        string data = _folder.Path("data");

        using Process first = TestFolder.StartHost("ingest", data, docs, "--hold");
        Task<string> firstError = first.StandardError.ReadToEndAsync();
        // The first holds the lock from its first document until the test releases it.
        await ReadUntilAsync(first.StandardOutput, "holding");
        Task<string> firstOutput = first.StandardOutput.ReadToEndAsync();

        using Process second = TestFolder.StartHost("ingest", data, docs);
        Task<string> secondOutput = second.StandardOutput.ReadToEndAsync();
        // The second says it waits: the first still holds the lock, whatever the machine's load.
        string waiting = await ReadUntilAsync(second.StandardError, "waiting: ");
        Task<string> secondError = second.StandardError.ReadToEndAsync();
        Assert.False(second.HasExited, "the second process must wait while the first holds the lock");

        await ReleaseAsync(first);
        await first.WaitForExitAsync().WaitAsync(Hang);
        await second.WaitForExitAsync().WaitAsync(Hang);

        Assert.True(first.ExitCode == 0, await firstError);
        Assert.True(second.ExitCode == 0, await secondError);
        Assert.StartsWith("waiting: Another process is ingesting into", waiting, StringComparison.Ordinal);
        // The second continued from the first's commit: nothing left to do.
        Assert.All((await secondOutput).Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipLast(1), l => Assert.StartsWith("Unchanged ", l, StringComparison.Ordinal));
        Assert.Equal(clean, await TestFolder.DumpAsync(data));
        _ = await firstOutput;
    }

    [Fact]
    public async Task With_no_wait_a_second_ingest_fails_clearly_and_readers_see_the_last_commit()
    {
        string data = _folder.Path("data");
        string old = _folder.WriteCorpus("old", 1);
        Assert.Equal(0, (await TestFolder.RunHostAsync("ingest", data, old)).ExitCode);
        string committed = await TestFolder.DumpAsync(data);
        string docs = _folder.WriteCorpus("docs", 2);

        // The writer holds the lock, with nothing of the new run committed, until the test releases it.
        using Process writer = TestFolder.StartHost("ingest", data, docs, "--hold", "--checkpoint", "1000");
        Task<string> error = writer.StandardError.ReadToEndAsync();
        await ReadUntilAsync(writer.StandardOutput, "holding");
        Task<string> output = writer.StandardOutput.ReadToEndAsync();

        HostResult refused = await TestFolder.RunHostAsync("ingest", data, docs, "--no-wait");
        // A reader in this process: it takes no lock and sees the last committed state.
        using var reader = new LocalIndex(data, new DeterministicEmbedder());
        string seen = string.Join('\n', await IngestHost.DescribeAsync(reader)) + "\n";
        IReadOnlyList<RetrievedChunk> hits = await reader.CreateRetriever().RetrieveAsync("Paragraph 3 about b");
        bool writerStillRunning = !writer.HasExited;
        await ReleaseAsync(writer);
        await writer.WaitForExitAsync().WaitAsync(Hang);

        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("locked: Another process is ingesting into", refused.Error, StringComparison.Ordinal);
        Assert.True(writerStillRunning, "the reader must have run while the writer held the lock");
        Assert.Equal(committed, seen);
        Assert.NotEmpty(hits);
        Assert.True(writer.ExitCode == 0, await error);
        _ = await output;
    }

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>; fails when the stream ends first.</summary>
    private static async Task<string> ReadUntilAsync(StreamReader reader, string prefix)
    {
        var seen = new List<string>();
        while (await reader.ReadLineAsync().WaitAsync(Hang) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }

            seen.Add(line);
        }

        Assert.Fail($"The process ended without a line starting with '{prefix}'; it wrote:\n{string.Join('\n', seen)}");
        return string.Empty;
    }

    private static async Task ReleaseAsync(Process holder)
    {
        await holder.StandardInput.WriteLineAsync();
        holder.StandardInput.Close();
    }
}
