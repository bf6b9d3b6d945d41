namespace Llm.Stack;

/// <summary>Splits a <see cref="Document"/> into <see cref="DocumentChunk"/>s that fit a token limit.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently from several threads. Every implementation guarantees that
/// no chunk exceeds its token limit as counted by its own tokenizer, that chunks cover the document in order
/// (with the configured overlap), and that each chunk carries its provenance (document id, character range,
/// page, section path). Chunkers that need no I/O complete synchronously.
/// </remarks>
public interface ITextChunker
{
    /// <summary>Splits <paramref name="document"/> into chunks.</summary>
    /// <param name="document">The document to split.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The chunks, ordered by <see cref="DocumentChunk.Ordinal"/>; empty for an empty document.</returns>
    ValueTask<IReadOnlyList<DocumentChunk>> ChunkAsync(Document document, CancellationToken cancellationToken = default);
}
