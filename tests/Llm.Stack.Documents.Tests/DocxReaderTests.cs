using System.IO.Compression;
using System.Text;
using Llm.Stack.Documents;
using static Llm.Stack.Documents.Tests.ReaderAssertions;

namespace Llm.Stack.Documents.Tests;

public class DocxReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Golden_headings_paragraphs_lists_and_tables(bool seekable)
    {
        Document document = Assert.Single(await ReadAllAsync(new DocxReader(), Fixtures.SpecDocx(), "spec.docx", seekable));

        AssertElementsWellFormed(document);
        const string expectedText = """
            Widget Specification

            Scope

            Widgets are small.
            They	fit in a hand.

            Parts

            - Bolt
              - Thread
            - Nut

            Part | Count
            Bolt | 4
            Nut \| washer | 4

            Kept text.

            Tolerances

            Within 0.1 mm.

            Appendix

            Inside a content control.
            """;
        Assert.Equal(expectedText.Replace("\r\n", "\n", StringComparison.Ordinal), document.Text);

        var actual = document.Elements.Select(e => (e.Kind, e.HeadingLevel, string.Join(" > ", e.SectionPath))).ToList();
        (DocumentElementKind, int?, string)[] expected =
        [
            (DocumentElementKind.Heading, 1, ""),
            (DocumentElementKind.Heading, 1, ""),
            (DocumentElementKind.Paragraph, null, "Scope"),
            (DocumentElementKind.Heading, 2, "Scope"),
            (DocumentElementKind.ListItem, null, "Scope > Parts"),
            (DocumentElementKind.ListItem, null, "Scope > Parts"),
            (DocumentElementKind.ListItem, null, "Scope > Parts"),
            (DocumentElementKind.Table, null, "Scope > Parts"),
            (DocumentElementKind.Paragraph, null, "Scope > Parts"),
            (DocumentElementKind.Heading, 3, "Scope > Parts"),
            (DocumentElementKind.Paragraph, null, "Scope > Parts > Tolerances"),
            (DocumentElementKind.Heading, 1, ""),
            (DocumentElementKind.Paragraph, null, "Appendix"),
        ];
        Assert.Equal(expected, actual);

        DocumentElement table = document.Elements.Single(e => e.Kind == DocumentElementKind.Table);
        Assert.True(table.HasHeaderRow);
        Assert.Equal(["Part | Count", "Bolt | 4", "Nut \\| washer | 4"], table.Rows.Select(r => document.Text[r]));
        Assert.Equal("Widget Specification", document.Metadata[DocxReader.TitleMetadataKey]);
        Assert.Equal("Ann Author", document.Metadata[DocxReader.AuthorMetadataKey]);
        Assert.Equal(DocxReader.MediaType, document.MediaType);
    }

    [Fact]
    public async Task A_table_without_header_marking_has_no_header_row()
    {
        Document document = Assert.Single(await ReadAllAsync(new DocxReader(), Fixtures.PlainTableDocx()));

        DocumentElement table = Assert.Single(document.Elements);
        Assert.False(table.HasHeaderRow);
        Assert.Equal("a | b\nc | d", document.Text);
    }

    [Fact]
    public async Task An_empty_document_is_an_empty_document()
    {
        Document document = Assert.Single(await ReadAllAsync(new DocxReader(), Fixtures.EmptyDocx()));

        Assert.Equal(string.Empty, document.Text);
        Assert.Empty(document.Elements);
    }

    public static TheoryData<string, byte[]> CorruptFiles()
    {
        byte[] docx = Fixtures.SpecDocx();
        return new()
        {
            { "random bytes", Encoding.ASCII.GetBytes("this is not a zip file") },
            { "truncated", docx[..(docx.Length / 2)] },
            { "zip without a document", ZipWith("readme.txt", "hello") },
            { "empty", [] },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public async Task Corrupt_docx_is_invalid_data(string what, byte[] content)
    {
        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(new DocxReader(), content, "bad.docx"));

        Assert.Contains("bad.docx", ex.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Heading_levels_come_from_style_names()
    {
        Assert.Equal(1, DocxReader.HeadingLevelFromName("Heading1"));
        Assert.Equal(3, DocxReader.HeadingLevelFromName("heading 3"));
        Assert.Equal(1, DocxReader.HeadingLevelFromName("Title"));
        Assert.Null(DocxReader.HeadingLevelFromName("Normal"));
        Assert.Null(DocxReader.HeadingLevelFromName("Heading10"));
    }

    private static byte[] ZipWith(string name, string content)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry(name).Open());
            writer.Write(content);
        }

        return stream.ToArray();
    }
}
