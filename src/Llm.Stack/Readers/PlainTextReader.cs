using System.Runtime.CompilerServices;
using System.Text;

namespace Llm.Stack;

/// <summary>Reads plain text: detects the encoding, rejects binary content, and marks paragraphs.</summary>
/// <remarks>
/// <para>
/// Encoding: a UTF-8, UTF-16 (LE/BE) or UTF-32 (LE/BE) byte-order mark selects that encoding; without one the
/// content is decoded as strict UTF-8 (or as the encoding given to the constructor). Invalid UTF-8 raises
/// <see cref="InvalidDataException"/>: the reader does not guess Latin-1, because a wrong guess silently corrupts the
/// index; give the reader the file's encoding (for example <see cref="Encoding.Latin1"/>) when it is known.
/// </para>
/// <para>
/// Content with NUL or other control characters that text does not use is rejected as binary. Line endings are
/// normalised to <c>\n</c> in <see cref="Document.Text"/>; each blank-line separated block is a
/// <see cref="DocumentElementKind.Paragraph"/> element. The content is decoded incrementally.
/// </para>
/// <para>
/// Large documents: <see cref="IngestionPipeline"/> reads a large file through this reader in sections cut at blank
/// lines, so that the whole text is never held (see the pipeline's remarks).
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class PlainTextReader : IDocumentReader, ISectionedTextReader
{
    private readonly Encoding? _encoding;

    /// <summary>Initializes a new instance of the <see cref="PlainTextReader"/> class.</summary>
    /// <param name="encoding">The encoding of content without a byte-order mark; <see langword="null"/> for strict UTF-8.</param>
    public PlainTextReader(Encoding? encoding = null)
    {
        _encoding = encoding;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [DocumentMediaTypes.PlainText];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        string text = await TextDecoding.ReadAllAsync(content, _encoding, context.DocumentId, metadata, cancellationToken).ConfigureAwait(false);
        var elements = new List<DocumentElement>();
        ReaderText.AddParagraphs(elements, text, 0, text.Length);
        yield return new Document(context.DocumentId, text)
        {
            Source = context.Source,
            MediaType = DocumentMediaTypes.PlainText,
            Elements = elements,
            Metadata = metadata,
        };
    }

    /// <inheritdoc />
    async IAsyncEnumerable<Document> ISectionedTextReader.ReadSectionsAsync(
        Stream content, DocumentReadContext context, Encoding? fallbackEncoding, int sectionChars, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        Encoding? encoding = _encoding ?? fallbackEncoding;
        if (_encoding is null && fallbackEncoding is not null)
        {
            metadata[DocumentMetadataKeys.TextEncoding] = fallbackEncoding.WebName;
        }

        await foreach (string section in TextDecoding.ReadSectionsAsync(content, encoding, context.DocumentId, metadata, sectionChars, TextDecoding.FindParagraphCut, cancellationToken).ConfigureAwait(false))
        {
            var elements = new List<DocumentElement>();
            ReaderText.AddParagraphs(elements, section, 0, section.Length);
            yield return new Document(context.DocumentId, section)
            {
                Source = context.Source,
                MediaType = DocumentMediaTypes.PlainText,
                Elements = elements,
                Metadata = metadata,
            };
        }
    }
}
