using Microsoft.Extensions.Logging;

namespace Llm.Stack;

/// <summary>The ingestion pipeline's log messages.</summary>
internal static partial class IngestionLog
{
    [LoggerMessage(1, LogLevel.Information, "Ingestion into '{Collection}' started.")]
    public static partial void RunStarted(ILogger logger, string collection);

    [LoggerMessage(2, LogLevel.Information, "Ingestion into '{Collection}' finished: {Documents} documents ({Failed} failed), {Chunks} chunks written in {ElapsedMs} ms.")]
    public static partial void RunFinished(ILogger logger, string collection, int documents, int failed, long chunks, long elapsedMs);

    [LoggerMessage(3, LogLevel.Debug, "Document '{DocumentId}' {Status}: version {Version}, {Chunks} chunks.")]
    public static partial void DocumentDone(ILogger logger, string documentId, IngestionStatus status, long version, int chunks);

    [LoggerMessage(4, LogLevel.Warning, "Document '{DocumentId}' failed; what the store held for it is kept.")]
    public static partial void DocumentFailed(ILogger logger, string documentId, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Document '{DocumentId}' is gone from the source; {Chunks} chunks deleted.")]
    public static partial void DocumentRemoved(ILogger logger, string documentId, int chunks);

    [LoggerMessage(6, LogLevel.Information, "Resuming document '{DocumentId}' left half-written by an earlier run.")]
    public static partial void Resuming(ILogger logger, string documentId);

    [LoggerMessage(7, LogLevel.Warning, "The checkpoint of the ingestion into '{Collection}' failed; the previous one is kept.")]
    public static partial void CheckpointFailed(ILogger logger, string collection, Exception exception);
}
