namespace Llm.Stack;

/// <summary>What an <see cref="IDocumentReader"/> is told about the content it reads.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class DocumentReadContext
{
    /// <summary>Initializes a new instance of the <see cref="DocumentReadContext"/> class.</summary>
    /// <param name="documentId">The identifier to give the document (readers that emit several documents derive theirs from it).</param>
    /// <exception cref="ArgumentException"><paramref name="documentId"/> is empty or white space.</exception>
    public DocumentReadContext(string documentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(documentId);
        DocumentId = documentId;
    }

    /// <summary>Gets the identifier to give the document.</summary>
    public string DocumentId { get; }

    /// <summary>Gets the location of the content, when known.</summary>
    public Uri? Source { get; init; }

    /// <summary>Gets the media type of the content, when known.</summary>
    public string? MediaType { get; init; }

    /// <summary>Gets metadata to copy onto every document read.</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }
}
