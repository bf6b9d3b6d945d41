using System.Diagnostics;

namespace Llm.Stack.Local.Tests;

/// <summary>
/// Kills a real ingest process with SIGKILL at random points of a first ingest and of an update, and checks that the
/// committed index is always consistent and that the next run converges to exactly the clean run's chunks.
/// </summary>
/// <remarks>The host uses a deterministic embedder slowed to a few milliseconds per batch: the embedder is not under test, the commit is.</remarks>
public sealed class CrashConvergenceTests : IDisposable
{
    private const int Kills = 10;
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_first_ingest_killed_at_random_points_converges_to_the_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        (string clean, TimeSpan duration) = await CleanRunAsync(docs);

        var random = new Random(1301);
        for (int i = 0; i < Kills; i++)
        {
            string data = _folder.Path($"first-{i}");
            // Two kills in a row at some points: a resumed run that is killed again must converge too.
            int kills = 1 + (i % 3 == 2 ? 1 : 0);
            for (int k = 0; k < kills; k++)
            {
                await KillDuringIngestAsync(data, docs, random.NextDouble() * duration.TotalMilliseconds);
                AssertConsistent(await TestFolder.DumpAsync(data), $"after kill {k + 1} of run {i}");
            }

            HostResult resumed = await TestFolder.RunHostAsync("ingest", data, docs);
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Equal(clean, await TestFolder.DumpAsync(data));
        }
    }

    [Fact]
    public async Task An_update_killed_at_random_points_converges_to_the_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 2);
        (string clean, TimeSpan duration) = await CleanRunAsync(docs);

        var random = new Random(1302);
        for (int i = 0; i < Kills; i++)
        {
            string data = _folder.Path($"update-{i}");
            string old = _folder.WriteCorpus("old", 1);
            Assert.Equal(0, (await TestFolder.RunHostAsync("ingest", data, old)).ExitCode);
            string before = await TestFolder.DumpAsync(data);

            await KillDuringIngestAsync(data, docs, random.NextDouble() * duration.TotalMilliseconds);
            string afterKill = await TestFolder.DumpAsync(data);
            AssertConsistent(afterKill, $"after the kill of run {i}");

            HostResult resumed = await TestFolder.RunHostAsync("ingest", data, docs);
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            string converged = await TestFolder.DumpAsync(data);
            Assert.Equal(clean, converged);
            Assert.NotEqual(before, converged);
        }
    }

    [Fact]
    public async Task With_an_app_store_that_persists_itself_a_killed_first_ingest_and_update_converge_to_the_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 2);
        (string clean, TimeSpan duration) = await CleanRunAsync(docs);

        var random = new Random(1303);
        for (int i = 0; i < Kills / 2; i++)
        {
            // A first ingest killed (twice at some points), then resumed.
            string data = _folder.Path($"app-first-{i}");
            for (int k = 0; k < 1 + (i % 2); k++)
            {
                await KillDuringIngestAsync(data, docs, random.NextDouble() * duration.TotalMilliseconds, "--app-store");
                AssertNothingCountedThatIsNotStored(await TestFolder.DumpAsync(data, "--app-store", "--committed"), $"after kill {k + 1} of first ingest {i}");
            }

            HostResult resumed = await TestFolder.RunHostAsync("ingest", data, docs, "--app-store");
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Equal(clean, await TestFolder.DumpAsync(data, "--app-store"));

            // An update from an older corpus killed, then resumed.
            data = _folder.Path($"app-update-{i}");
            Assert.Equal(0, (await TestFolder.RunHostAsync("ingest", data, _folder.WriteCorpus("old", 1), "--app-store")).ExitCode);
            await KillDuringIngestAsync(data, docs, random.NextDouble() * duration.TotalMilliseconds, "--app-store");
            AssertNothingCountedThatIsNotStored(await TestFolder.DumpAsync(data, "--app-store", "--committed"), $"after the kill of update {i}");
            resumed = await TestFolder.RunHostAsync("ingest", data, docs, "--app-store");
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Equal(clean, await TestFolder.DumpAsync(data, "--app-store"));
        }
    }

    /// <summary>
    /// After a kill, the store may be ahead of or behind the committed state; after the open's self-check, every chunk
    /// the state counts as indexed is in the store.
    /// </summary>
    private static void AssertNothingCountedThatIsNotStored(string dump, string when)
    {
        string[] lines = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var stored = lines.Where(l => l.Contains('\t', StringComparison.Ordinal)).Select(l => l[..l.IndexOf('\t', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        List<string> missing = [.. lines.Where(l => l.StartsWith("committed ", StringComparison.Ordinal)).Select(l => l["committed ".Length..]).Where(k => !stored.Contains(k))];
        Assert.True(missing.Count == 0, $"{when}: the state counts {missing.Count} chunk(s) as indexed that the store does not hold:\n{dump}");
    }

    /// <summary>A committed index never needs repair: state and chunks agree at every commit.</summary>
    private static void AssertConsistent(string dump, string when) =>
        Assert.False(dump.Contains("problem:", StringComparison.Ordinal), $"{when}: the committed index is inconsistent:\n{dump}");

    private async Task<(string Dump, TimeSpan Duration)> CleanRunAsync(string docs)
    {
        string data = _folder.Path("clean");
        var clock = Stopwatch.StartNew();
        HostResult result = await TestFolder.RunHostAsync("ingest", data, docs, "--delay-ms", "15");
        clock.Stop();
        Assert.True(result.ExitCode == 0, result.ToString());
        string dump = await TestFolder.DumpAsync(data);
        Assert.DoesNotContain("problem:", dump, StringComparison.Ordinal);
        Assert.True(dump.Split('\n').Length > 40, "the corpus must give enough chunks for several commits");
        return (dump, clock.Elapsed);
    }

    private static async Task KillDuringIngestAsync(string data, string docs, double afterMilliseconds, params string[] options)
    {
        using Process process = TestFolder.StartHost(["ingest", data, docs, "--delay-ms", "15", .. options]);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(afterMilliseconds));
        if (!process.HasExited)
        {
            process.Kill(); // SIGKILL on Unix: no finally block, no flush.
        }

        await process.WaitForExitAsync();
    }
}
