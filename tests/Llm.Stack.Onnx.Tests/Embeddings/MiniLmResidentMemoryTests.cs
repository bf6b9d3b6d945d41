using System.Diagnostics;
using System.Text.RegularExpressions;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>
/// Issue 14: "a process that has created the MiniLM embedder stays under 200 MB resident". Runs
/// <c>benchmarks/Llm.Stack.MemoryProbe</c> (built with the tests, same configuration) as a process of its own: it creates
/// the embedder, embeds a batch, runs every vocabulary id through the model so that all its weights have been read,
/// and exits 1 when the kernel's record of its peak resident size (VmHWM, session creation included) is above the
/// limit. Linux (the probe reads /proc/self/status).
/// </summary>
public sealed partial class MiniLmResidentMemoryTests
{
    [Fact]
    public async Task Process_with_the_MiniLM_embedder_peaks_under_200_MB_resident()
    {
        // This assembly's output folder ends in bin/<configuration>/<framework>/; the probe's has the same tail.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string probe = Path.Combine(
            RepositoryPaths.Root(), "benchmarks", "Llm.Stack.MemoryProbe", "bin", output.Parent!.Name, output.Name, "Llm.Stack.MemoryProbe.dll");
        Assert.True(File.Exists(probe), $"{probe} was not built.");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add("--max-mb");
        start.ArgumentList.Add("200");
        using Process process = Process.Start(start)!;
        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync();
        Task<string> standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string log = await standardOutput + await standardError;
        Assert.True(process.ExitCode == 0, "The probe failed:\n" + log);
        Match peak = Peak().Match(log);
        Assert.True(peak.Success, "The probe printed no peak:\n" + log);
        Assert.InRange(int.Parse(peak.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 50, 200);
        Assert.Contains("after every vocabulary id was run", log, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^peak (\d+) MB, within 200 MB$", RegexOptions.Multiline)]
    private static partial Regex Peak();
}
