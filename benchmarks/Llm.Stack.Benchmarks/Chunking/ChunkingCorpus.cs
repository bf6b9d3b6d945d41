namespace Llm.Stack.Benchmarks.Chunking;

/// <summary>The chunking corpus: every <c>*.txt</c> file under the folder named by <see cref="EnvironmentVariable"/>.</summary>
internal static class ChunkingCorpus
{
    public const string EnvironmentVariable = "LLMSTACK_CHUNKING_CORPUS";

    public static (string[] Texts, long Bytes) Load()
    {
        string? folder = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
        {
            throw new InvalidOperationException(
                $"Set {EnvironmentVariable} to a folder of *.txt files of at least 50 MB (for example text extracted from Debian's " +
                "documentation packages under /usr/share/doc: apt-get install python3.11-doc postgresql-doc-15 git-doc glibc-doc). " +
                $"It is '{folder}'.");
        }

        string[] files = [.. Directory.EnumerateFiles(folder, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        string[] texts = [.. files.Select(File.ReadAllText)];
        long bytes = files.Sum(f => new FileInfo(f).Length);
        if (bytes < 50L * 1024 * 1024)
        {
            throw new InvalidOperationException($"The corpus in '{folder}' has {bytes / 1024 / 1024} MB; the chunking benchmark needs at least 50 MB.");
        }

        return (texts, bytes);
    }
}
