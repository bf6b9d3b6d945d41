using System.Runtime.CompilerServices;
using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Llm.Stack.Documents;

/// <summary>Reads the text of a PDF page by page with PdfPig, keeping page numbers on every element.</summary>
/// <remarks>
/// <para>
/// Each page's text is extracted in content order with PdfPig's <c>ContentOrderTextExtractor</c>, which inserts
/// spaces and line breaks from the glyph positions and a blank line where a new paragraph likely starts. Pages
/// are joined by a blank line in <see cref="Document.Text"/>; each blank-line separated block of a page is a
/// <see cref="DocumentElementKind.Paragraph"/> element whose <see cref="DocumentElement.PageNumber"/> is its
/// 1-based page, so that chunks cite pages. Pages without text (scans) contribute nothing: this reader does no
/// OCR. The title, author, subject and page count become the <see cref="TitleMetadataKey"/>,
/// <see cref="AuthorMetadataKey"/>, <see cref="SubjectMetadataKey"/> and <see cref="PageCountMetadataKey"/> metadata entries.
/// </para>
/// <para>
/// A corrupt or encrypted PDF raises <see cref="InvalidDataException"/>. PDF needs random access: a stream that
/// cannot seek is first copied into memory. The stream is left open.
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class PdfReader : IDocumentReader
{
    /// <summary>The media type of PDF, <c>application/pdf</c>.</summary>
    public const string MediaType = "application/pdf";

    /// <summary>The metadata key of the document title.</summary>
    public const string TitleMetadataKey = "title";

    /// <summary>The metadata key of the document author.</summary>
    public const string AuthorMetadataKey = "author";

    /// <summary>The metadata key of the document subject.</summary>
    public const string SubjectMetadataKey = "subject";

    /// <summary>The metadata key of the number of pages.</summary>
    public const string PageCountMetadataKey = "pageCount";

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [MediaType];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        Stream seekable = await ReaderText.SeekableAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            yield return Read(seekable, context, cancellationToken);
        }
        finally
        {
            if (!ReferenceEquals(seekable, content))
            {
                await seekable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static Document Read(Stream stream, DocumentReadContext context, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var elements = new List<DocumentElement>();
        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        try
        {
            using PdfDocument pdf = PdfDocument.Open(stream, new ParsingOptions { UseLenientParsing = true });
            ReaderText.SetIfAbsent(metadata, TitleMetadataKey, pdf.Information.Title);
            ReaderText.SetIfAbsent(metadata, AuthorMetadataKey, pdf.Information.Author);
            ReaderText.SetIfAbsent(metadata, SubjectMetadataKey, pdf.Information.Subject);
            metadata[PageCountMetadataKey] = pdf.NumberOfPages;
            for (int number = 1; number <= pdf.NumberOfPages; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Page page = pdf.GetPage(number);
                string pageText = ReaderText.Clean(ContentOrderTextExtractor.GetText(page, addDoubleNewline: true));
                if (pageText.Length == 0)
                {
                    continue;
                }

                if (text.Length > 0)
                {
                    text.Append("\n\n");
                }

                int start = text.Length;
                text.Append(pageText);
                AddPageParagraphs(elements, pageText, start, number);
            }
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new InvalidDataException($"Document '{context.DocumentId}' is an encrypted PDF; it cannot be read without its password.", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"Document '{context.DocumentId}' is not a readable PDF: {ex.Message}", ex);
        }

        return new Document(context.DocumentId, text.ToString())
        {
            Source = context.Source,
            MediaType = MediaType,
            Elements = elements,
            Metadata = metadata,
        };
    }

    private static void AddPageParagraphs(List<DocumentElement> elements, string pageText, int offset, int pageNumber)
    {
        var local = new List<DocumentElement>();
        ReaderText.AddParagraphs(local, pageText, 0, pageText.Length, pageNumber: pageNumber);
        foreach (DocumentElement element in local)
        {
            elements.Add(new DocumentElement(element.Kind, element.Start + offset, element.Length) { PageNumber = pageNumber });
        }
    }
}
