namespace Llm.Stack;

/// <summary>The outcome of ingesting one document.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed record IngestionResult
{
    /// <summary>Initializes a new instance of the <see cref="IngestionResult"/> class.</summary>
    /// <param name="documentId">The identifier of the document (or of the source item that could not be read).</param>
    /// <param name="status">What was done.</param>
    /// <exception cref="ArgumentException"><paramref name="documentId"/> is empty or white space.</exception>
    public IngestionResult(string documentId, IngestionStatus status)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(documentId);
        DocumentId = documentId;
        Status = status;
    }

    /// <summary>Gets the identifier of the document (or of the source item that could not be read).</summary>
    public string DocumentId { get; }

    /// <summary>Gets what was done.</summary>
    public IngestionStatus Status { get; }

    /// <summary>Gets where the document came from, when known.</summary>
    public Uri? Source { get; init; }

    /// <summary>Gets the version of the document now in the store (1 for its first ingestion), or 0 when none is.</summary>
    public long Version { get; init; }

    /// <summary>Gets the number of chunks written (for <see cref="IngestionStatus.Added"/> and <see cref="IngestionStatus.Changed"/>) or deleted (for <see cref="IngestionStatus.Removed"/>).</summary>
    public int ChunkCount { get; init; }

    /// <summary>Gets the number of chunks whose embedding was reused from the previous version instead of generated again.</summary>
    public int ReusedEmbeddings { get; init; }

    /// <summary>Gets the error of a <see cref="IngestionStatus.Failed"/> document; <see langword="null"/> otherwise.</summary>
    public Exception? Error { get; init; }

    /// <summary>Gets the text encoding the reader detected (<see cref="DocumentMetadataKeys.TextEncoding"/>), such as <c>windows-1252</c> for text that is not UTF-8; <see langword="null"/> when not reported.</summary>
    public string? TextEncoding { get; init; }
}
