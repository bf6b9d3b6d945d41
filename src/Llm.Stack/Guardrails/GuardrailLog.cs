using Microsoft.Extensions.Logging;

namespace Llm.Stack;

/// <summary>The guardrails' log messages: what was found and done, never the text it was found in.</summary>
internal static partial class GuardrailLog
{
    [LoggerMessage(EventId = 1, Message = "Guardrail decision at {Stage}: {Count} × {Category} ({Kind}), action {Action}.")]
    public static partial void Decision(ILogger logger, LogLevel level, string stage, long count, string category, string kind, string action);

    [LoggerMessage(2, LogLevel.Warning, "The prompt-injection classifier answered outside its format; the text is treated as an injection.")]
    public static partial void ClassifierFormat(ILogger logger);

    [LoggerMessage(3, LogLevel.Debug, "Retrieved chunk '{ChunkId}' dropped by the guardrails ({Kind}).")]
    public static partial void ChunkDropped(ILogger logger, string chunkId, string kind);

    [LoggerMessage(4, LogLevel.Warning, "The content moderator answered outside its format; the text is flagged under every category.")]
    public static partial void ModeratorFormat(ILogger logger);
}
