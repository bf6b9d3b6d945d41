using System.Text;

namespace Llm.Stack;

/// <summary>
/// A reader that can hand a large document on in sections, so that the ingestion pipeline never holds its whole text
/// (<see cref="PlainTextReader"/>, <see cref="MarkdownReader"/>). Each section is a <see cref="Document"/> with the
/// document's id whose text is the next part of the document's text and whose elements are relative to that part; the
/// sections share one metadata dictionary.
/// </summary>
internal interface ISectionedTextReader
{
    /// <summary>Reads the content in sections of about <paramref name="sectionChars"/> characters.</summary>
    /// <param name="content">The content.</param>
    /// <param name="context">The document's context.</param>
    /// <param name="fallbackEncoding">
    /// The encoding to read with when the reader has none of its own; <see langword="null"/> to detect it (a byte-order
    /// mark, else UTF-8). <see cref="EncodingFallbackException"/> asks the caller to read again with Windows-1252.
    /// </param>
    /// <param name="sectionChars">The wanted section size in characters; a section may be longer where no place to cut is found.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sections, in order.</returns>
    IAsyncEnumerable<Document> ReadSectionsAsync(Stream content, DocumentReadContext context, Encoding? fallbackEncoding, int sectionChars, CancellationToken cancellationToken);
}
