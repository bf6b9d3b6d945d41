using System.Diagnostics;
using System.Text.RegularExpressions;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>
/// Publishes <c>tests/Llm.Stack.VectorIndex.TrimmedApp</c> with <c>PublishTrimmed=true</c> for linux-x64 and runs it: the
/// publish reports no trim warning, and every store operation (create, upsert, get, filtered search, search by a string
/// the store embeds, delete, snapshot save and load, a dynamic collection) works on a record type whose constructor and
/// properties only the store's mapping reaches.
/// </summary>
/// <remarks>
/// One publish, into a temporary folder (<c>--artifacts-path</c>, so the repository's own <c>bin</c> and <c>obj</c> stay as
/// they are); packages are restored from the machine's NuGet configuration, the runtime pack and the trimmer being the
/// ones the SDK picks.
/// </remarks>
public sealed partial class TrimmedAppTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "llmstack-trimmed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_trimmed_app_publishes_without_trim_warnings_and_every_store_operation_works()
    {
        string project = Path.Combine(RepositoryPaths.Root(), "tests", "Llm.Stack.VectorIndex.TrimmedApp", "Llm.Stack.VectorIndex.TrimmedApp.csproj");
        string output = Path.Combine(_root, "out");

        (int publishExit, string publishLog) = await RunAsync("dotnet", TimeSpan.FromMinutes(10),
            "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishTrimmed=true",
            "--artifacts-path", Path.Combine(_root, "artifacts"), "-o", output);

        Assert.True(publishExit == 0, "dotnet publish failed:\n" + publishLog);
        string[] trimWarnings = [.. publishLog.Split('\n').Where(line => TrimWarning().IsMatch(line)).Distinct()];
        Assert.True(trimWarnings.Length == 0, "Trim warnings:\n" + string.Join("\n", trimWarnings));

        (int exit, string log) = await RunAsync(Path.Combine(output, "Llm.Stack.VectorIndex.TrimmedApp"), TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, "The trimmed app failed:\n" + log);
        Assert.Contains("ok: upsert and get (constructor, properties and the embedded string)", log, StringComparison.Ordinal);
        Assert.Contains("ok: the loaded snapshot holds the records", log, StringComparison.Ordinal);
        Assert.Contains("all store checks passed", log, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {timeout}.");
        }

        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"\bwarning IL\d{4}\b")]
    private static partial Regex TrimWarning();
}
