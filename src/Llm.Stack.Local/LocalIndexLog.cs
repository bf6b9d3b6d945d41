using Microsoft.Extensions.Logging;

namespace Llm.Stack.Local;

/// <summary>The log messages of <see cref="LocalIndex"/>: folders, generations and counts, never document text.</summary>
internal static partial class LocalIndexLog
{
    [LoggerMessage(1, LogLevel.Information, "Opened the index in '{DataDirectory}': generation {Generation}, {Documents} documents, {Chunks} chunks, in {ElapsedMs} ms.")]
    public static partial void Opened(ILogger logger, string dataDirectory, long generation, int documents, int chunks, long elapsedMs);

    [LoggerMessage(2, LogLevel.Warning, "The self-check of the index in '{DataDirectory}' found a problem: {Problem}")]
    public static partial void CheckProblem(ILogger logger, string dataDirectory, string problem);

    [LoggerMessage(3, LogLevel.Debug, "Committed generation {Generation} of the index in '{DataDirectory}': {Documents} documents, {Chunks} chunks, in {ElapsedMs} ms.")]
    public static partial void Committed(ILogger logger, string dataDirectory, long generation, int documents, int chunks, long elapsedMs);

    [LoggerMessage(4, LogLevel.Error, "Generation {Generation} of the index in '{DataDirectory}' could not be committed; the last committed state is kept.")]
    public static partial void CommitFailed(ILogger logger, string dataDirectory, long generation, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Waiting for another process that is writing the index in '{DataDirectory}'.")]
    public static partial void WaitingForWriter(ILogger logger, string dataDirectory);

    [LoggerMessage(6, LogLevel.Information, "The store of the index in '{DataDirectory}' has no keyword search for collection '{Collection}' ({CollectionType}); retrieval is vector search only, not hybrid.")]
    public static partial void HybridFallback(ILogger logger, string dataDirectory, string collection, string collectionType);
}
