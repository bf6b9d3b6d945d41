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

    private static async Task KillDuringIngestAsync(string data, string docs, double afterMilliseconds)
    {
        using Process process = TestFolder.StartHost("ingest", data, docs, "--delay-ms", "15");
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
