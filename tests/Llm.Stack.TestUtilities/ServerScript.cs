using System.Diagnostics;
namespace Llm.Stack.TestUtilities;

/// <summary>Runs an <c>eng/start-*.sh</c> script (they print <c>export NAME='value'</c> lines) and reads its exports.</summary>
public static class ServerScript
{
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root(), "eng", script));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The value of <c>export <paramref name="name"/>='…'</c> in a script's output.</summary>
    public static string? Export(string output, string name) => output.Split('\n')
        .Select(l => l.Trim())
        .Where(l => l.StartsWith($"export {name}='", StringComparison.Ordinal))
        .Select(l => l[$"export {name}='".Length..^1])
        .FirstOrDefault();
}
