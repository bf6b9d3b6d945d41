using Microsoft.Extensions.Logging;

namespace Llm.Stack.VectorIndex;

/// <summary>The log messages of the store: snapshots, compaction and graph rebuilds. Names, counts and durations only, never record content.</summary>
internal static partial class VectorIndexLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Snapshot of collection '{Collection}' (format version {Version}) holds no HNSW graph for vector property '{Property}'; rebuilt it over {Count} records in {ElapsedMilliseconds:F0} ms.")]
    public static partial void GraphRebuilt(ILogger logger, string collection, string property, int version, int count, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug,
        Message = "Loaded collection '{Collection}' ({Count} records) from {Source} in {ElapsedMilliseconds:F1} ms.")]
    public static partial void SnapshotLoaded(ILogger logger, string collection, int count, string source, double elapsedMilliseconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug,
        Message = "Saved collection '{Collection}' ({Count} records) to {Target} in {ElapsedMilliseconds:F1} ms.")]
    public static partial void SnapshotSaved(ILogger logger, string collection, int count, string target, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "The automatic save to '{Directory}' failed; the collections stay in memory and the save is retried on the next tick.")]
    public static partial void AutomaticSaveFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug,
        Message = "Compacted collection '{Collection}': reclaimed the slots of {Reclaimed} deleted records; {Count} records remain.")]
    public static partial void Compacted(ILogger logger, string collection, int reclaimed, int count);
}
