using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Llm.Stack.Local.Tests;

/// <summary>A temporary folder with a corpus of small documents, data folders, and the ingest host run as a real process.</summary>
internal sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Root = Directory.CreateTempSubdirectory("llmstack-local-").FullName;
    }

    public string Root { get; }

    public string Path(string name) => System.IO.Path.Combine(Root, name);

    /// <summary>
    /// Writes version 1 or 2 of a corpus of six small documents into <paramref name="folder"/>, replacing what was there.
    /// Version 2 edits one paragraph of <c>b.md</c>, rewrites <c>e.txt</c>, deletes <c>c.txt</c> and adds <c>g.md</c>.
    /// </summary>
    public string WriteCorpus(string folder, int version)
    {
        string docs = Path(folder);
        if (Directory.Exists(docs))
        {
            Directory.Delete(docs, recursive: true);
        }

        Directory.CreateDirectory(System.IO.Path.Combine(docs, "sub"));
        string[] names = version == 1 ? ["a.md", "b.md", "c.txt", "sub/d.md", "e.txt", "sub/f.txt"] : ["a.md", "b.md", "sub/d.md", "e.txt", "sub/f.txt", "g.md"];
        foreach (string name in names)
        {
            string topic = System.IO.Path.GetFileNameWithoutExtension(name) + (version == 2 && name == "e.txt" ? "-rewritten" : string.Empty);
            var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"# Notes on {topic}\n\n"));
            for (int p = 1; p <= 8; p++)
            {
                string edit = version == 2 && name == "b.md" && p == 3 ? " This paragraph was edited." : string.Empty;
                text.Append(CultureInfo.InvariantCulture, $"## Part {p}\n\nParagraph {p} about {topic}.{edit} ");
                text.AppendJoin(' ', Enumerable.Range(0, 40).Select(w => string.Create(CultureInfo.InvariantCulture, $"{topic}{(p * 41) + w}")));
                text.Append(".\n\n");
            }

            File.WriteAllText(System.IO.Path.Combine(docs, name), text.ToString());
        }

        return docs;
    }

    /// <summary>Starts the ingest host (this test assembly) as a process.</summary>
    public static Process StartHost(params string[] args)
    {
        var start = new ProcessStartInfo(DotNet())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(IngestHost).Assembly.Location);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The ingest host did not start.");
    }

    /// <summary>Runs the ingest host to its end.</summary>
    public static async Task<HostResult> RunHostAsync(params string[] args)
    {
        using Process process = StartHost(args);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new HostResult(process.ExitCode, await output, await error);
    }

    /// <summary>The chunk set of an index (and its self-check's problems), read by a separate process.</summary>
    public static async Task<string> DumpAsync(string data, params string[] options)
    {
        HostResult result = await RunHostAsync(["dump", data, .. options]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only mount left by a failed test; the OS cleans temporary folders.
        }
    }

    private static string DotNet()
    {
        string? current = Environment.ProcessPath;
        return current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}

internal sealed record HostResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out ---\n{Output}\n--- err ---\n{Error}";
}
