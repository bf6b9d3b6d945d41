using Microsoft.Extensions.Logging;

namespace Llm.Stack.VectorIndex;

/// <summary>Log messages of snapshot loading.</summary>
internal static partial class SnapshotLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Snapshot of collection '{Collection}' (format version {Version}) holds no HNSW graph for vector property '{Property}'; rebuilt it over {Count} records in {ElapsedMilliseconds:F0} ms.")]
    public static partial void GraphRebuilt(ILogger logger, string collection, string property, int version, int count, double elapsedMilliseconds);
}
