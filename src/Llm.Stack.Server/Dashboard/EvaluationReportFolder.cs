using System.Collections.Concurrent;

namespace Llm.Stack.Server;

/// <summary>
/// The <c>llmstack eval</c> reports of a folder, for the dashboard: every <c>.json</c> file in it and its folders that is
/// a report, newest first. Each file is parsed once per version (its length and last write time).
/// </summary>
/// <remarks>Thread-safe: one instance serves all requests.</remarks>
internal sealed class EvaluationReportFolder(string directory, int maxReports = 20)
{
    private readonly ConcurrentDictionary<string, (DateTime Written, long Length, EvaluationReport? Report, string? Problem)> _cache = new(StringComparer.Ordinal);

    /// <summary>Gets the folder's full path.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Reads the newest reports.</summary>
    /// <returns>The reports, newest first, and a line for each JSON file among them that could not be read as one.</returns>
    public (IReadOnlyList<EvaluationReport> Reports, IReadOnlyList<string> Problems) Read()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return ([], []);
        }

        var reports = new List<EvaluationReport>();
        var problems = new List<string>();
        IEnumerable<FileInfo> files = new DirectoryInfo(Directory)
            .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 4 })
            .Where(f => string.Equals(f.Extension, ".json", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .ThenBy(f => f.FullName, StringComparer.Ordinal)
            .Take(maxReports);
        foreach (FileInfo file in files)
        {
            (DateTime written, long length, EvaluationReport? report, string? problem) = _cache.GetValueOrDefault(file.FullName);
            if (written != file.LastWriteTimeUtc || length != file.Length)
            {
                (report, problem) = Load(file);
                _cache[file.FullName] = (file.LastWriteTimeUtc, file.Length, report, problem);
            }

            if (report is not null)
            {
                reports.Add(report);
            }
            else
            {
                problems.Add(problem!);
            }
        }

        return (reports, problems);
    }

    private (EvaluationReport? Report, string? Problem) Load(FileInfo file)
    {
        string name = Path.GetRelativePath(Directory, file.FullName);
        try
        {
            return (EvaluationReport.Parse(file.FullName, File.ReadAllBytes(file.FullName), new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)), null);
        }
        catch (FormatException e)
        {
            return (null, $"{name} is not a report of llmstack eval: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{name} cannot be read: {e.Message}");
        }
    }
}
