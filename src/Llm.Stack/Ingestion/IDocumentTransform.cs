namespace Llm.Stack;

/// <summary>Changes a <see cref="Document"/> between reading and chunking: cleaning, normalising, redacting, filtering.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently from several threads, and must not mutate the document they
/// are given: they return a new one (with its <see cref="Document.Elements"/> ranges moved to the new text), the same
/// one when nothing changes, or <see langword="null"/> to leave the document out of the store.
/// </remarks>
public interface IDocumentTransform
{
    /// <summary>Transforms a document.</summary>
    /// <param name="document">The document to transform.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The transformed document; <see langword="null"/> to skip the document.</returns>
    ValueTask<Document?> TransformAsync(Document document, CancellationToken cancellationToken = default);
}
