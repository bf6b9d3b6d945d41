namespace Llm.Stack.Benchmarks.Chunking;

/// <summary>The chunking corpus: every <c>*.txt</c> file under the folder named by <see cref="EnvironmentVariable"/>.</summary>
internal static class ChunkingCorpus
{
    public const string EnvironmentVariable = "LLMSTACK_CHUNKING_CORPUS";

    public static (string[] Texts, long Bytes) Load()
    {
        string folder = Folder();
        string[] files = [.. Directory.EnumerateFiles(folder, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        string[] texts = [.. files.Select(File.ReadAllText)];
        long bytes = files.Sum(f => new FileInfo(f).Length);
        if (bytes < 50L * 1024 * 1024)
        {
            throw new InvalidOperationException($"The corpus in '{folder}' has {bytes / 1024 / 1024} MB; the chunking benchmark needs at least 50 MB.");
        }

        return (texts, bytes);
    }

    /// <summary>The corpus files in name order with their text, read lazily (for subsets).</summary>
    public static IEnumerable<(string Path, string Text)> Files() =>
        Directory.EnumerateFiles(Folder(), "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllText(f)));

    private static string Folder()
    {
        string? folder = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
        {
            throw new InvalidOperationException(
                $"Set {EnvironmentVariable} to a folder of *.txt files of at least 50 MB: build it from Debian's documentation packages " +
                "with benchmarks/Llm.Stack.Benchmarks/Chunking/make-corpus.py (apt-get install -y python3.11-doc postgresql-doc-15 git-doc glibc-doc bash-doc). " +
                $"It is '{folder}'.");
        }

        return folder;
    }
}
