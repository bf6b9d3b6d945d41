namespace Llm.Stack;

/// <summary>Reads content in one or more formats into <see cref="Document"/>s.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently from several threads, each call with its own stream.
/// A reader never closes the stream it is given. Content it cannot understand (corrupt, binary, wrong
/// encoding) raises <see cref="InvalidDataException"/> naming the problem, so that a pipeline can report the
/// document and go on with the others.
/// </remarks>
public interface IDocumentReader
{
    /// <summary>Gets the media types this reader understands, such as <c>text/markdown</c>.</summary>
    IReadOnlyList<string> MediaTypes { get; }

    /// <summary>Reads the content into one document, or several for record formats such as JSONL and CSV.</summary>
    /// <param name="content">The content to read; left open.</param>
    /// <param name="context">The identifier, source and media type of the content.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The documents read, in source order.</returns>
    /// <exception cref="InvalidDataException">The content is not valid for this reader.</exception>
    IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, CancellationToken cancellationToken = default);
}
