using System.Text;

namespace Llm.Stack.Cli.Tests;

/// <summary>Runs the real CLI in-process in a temporary working directory and captures what it prints.</summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        WorkingDirectory = Path.Combine(Path.GetTempPath(), "llmstack-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(WorkingDirectory);
    }

    public string WorkingDirectory { get; }

    /// <summary>Gets the environment variables the CLI sees; <see langword="null"/> for the process's.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    public string Write(string relativePath, string content)
    {
        string path = Path.Combine(WorkingDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public async Task<CliResult> RunAsync(params string[] args) => await RunAsync(args, CancellationToken.None);

    public async Task<CliResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var output = new StringWriter(new StringBuilder());
        var error = new StringWriter(new StringBuilder());
        int exitCode = await new CliApp(output, error, WorkingDirectory, Environment).RunAsync(args, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out ---\n{Output}\n--- err ---\n{Error}";
}
