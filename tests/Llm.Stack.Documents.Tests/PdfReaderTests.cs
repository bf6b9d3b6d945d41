using System.Text;
using Llm.Stack.Documents;
using static Llm.Stack.Documents.Tests.ReaderAssertions;

namespace Llm.Stack.Documents.Tests;

public class PdfReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Golden_text_per_page_with_page_numbers(bool seekable)
    {
        Document document = Assert.Single(await ReadAllAsync(new PdfReader(), Fixtures.ReportPdf(), "report.pdf", seekable));

        AssertElementsWellFormed(document);
        Assert.Equal("application/pdf", document.MediaType);
        Assert.Equal("Quarterly Report", document.Metadata[PdfReader.TitleMetadataKey]);
        Assert.Equal("Finance Team", document.Metadata[PdfReader.AuthorMetadataKey]);
        Assert.Equal(4, document.Metadata[PdfReader.PageCountMetadataKey]);

        var paragraphs = document.Elements.Select(e => (e.PageNumber, Normalize(TextOf(document, e)))).ToList();
        Assert.Equal(
            [
                (1, "Revenue grew in the first quarter. Costs stayed flat."),
                (1, "Outlook is positive for the year."),
                (2, "Appendix A lists the regions."),
                (4, "Signed by the board."),
            ],
            paragraphs);
        Assert.All(document.Elements, e => Assert.Equal(DocumentElementKind.Paragraph, e.Kind));
    }

    [Theory]
    [InlineData("not a pdf at all")]
    [InlineData("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n%%garbage")]
    [InlineData("")]
    public async Task Corrupt_pdf_is_invalid_data(string content)
    {
        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(new PdfReader(), Encoding.ASCII.GetBytes(content), "bad.pdf"));

        Assert.Contains("bad.pdf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_pdf_is_invalid_data_or_partial_but_never_crashes()
    {
        byte[] pdf = Fixtures.ReportPdf();
        byte[] truncated = pdf[..(pdf.Length / 3)];

        // PdfPig's lenient parser may recover some pages of a truncated file; anything else must be InvalidDataException.
        try
        {
            Document document = Assert.Single(await ReadAllAsync(new PdfReader(), truncated, "cut.pdf"));
            AssertElementsWellFormed(document);
        }
        catch (InvalidDataException ex)
        {
            Assert.Contains("cut.pdf", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAllAsync(new PdfReader(), Fixtures.ReportPdf(), cancellationToken: cts.Token));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
