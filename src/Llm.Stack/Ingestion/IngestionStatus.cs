namespace Llm.Stack;

/// <summary>What ingestion did with a document.</summary>
public enum IngestionStatus
{
    /// <summary>The document was new; its chunks were written.</summary>
    Added,

    /// <summary>The document had changed; its new chunks were written, then its old chunks deleted.</summary>
    Changed,

    /// <summary>The document had not changed since the last run; nothing was written.</summary>
    Unchanged,

    /// <summary>The document is gone from the source (or a transform dropped it); its chunks were deleted.</summary>
    Removed,

    /// <summary>A transform dropped a document that was not in the store; nothing was written.</summary>
    Skipped,

    /// <summary>The document could not be read, chunked, embedded or written; what was stored for it before is kept.</summary>
    Failed,
}
