using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using PdfPageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Llm.Stack.Documents.Tests;

/// <summary>Builds the small real PDF and DOCX documents the tests read, with PdfPig's writer and the Open XML SDK.</summary>
internal static class Fixtures
{
    /// <summary>A 4-page PDF: two paragraphs on page 1, one on page 2, an empty page 3, and one on page 4.</summary>
    public static byte[] ReportPdf()
    {
        var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = "Quarterly Report";
        builder.DocumentInformation.Author = "Finance Team";
        PdfDocumentBuilder.AddedFont font = builder.AddStandard14Font(Standard14Font.Helvetica);

        PdfPageBuilder page1 = builder.AddPage(PdfPageSize.A4);
        page1.AddText("Revenue grew in the first quarter.", 12, new PdfPoint(50, 750), font);
        page1.AddText("Costs stayed flat.", 12, new PdfPoint(50, 735), font);
        page1.AddText("Outlook is positive for the year.", 12, new PdfPoint(50, 650), font);

        PdfPageBuilder page2 = builder.AddPage(PdfPageSize.A4);
        page2.AddText("Appendix A lists the regions.", 12, new PdfPoint(50, 750), font);

        builder.AddPage(PdfPageSize.A4);

        PdfPageBuilder page4 = builder.AddPage(PdfPageSize.A4);
        page4.AddText("Signed by the board.", 12, new PdfPoint(50, 750), font);
        return builder.Build();
    }

    /// <summary>A DOCX with a title, nested headings (style ids, style names, a derived style, an outline level), lists, a header-row table, and revisions.</summary>
    public static byte[] SpecDocx()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            MainDocumentPart main = document.AddMainDocumentPart();
            StyleDefinitionsPart styles = main.AddNewPart<StyleDefinitionsPart>();
            styles.Styles = new Styles(
                ParagraphStyle("Title", "Title"),
                ParagraphStyle("Heading1", "heading 1"),
                ParagraphStyle("Kop2", "heading 2"),
                new Style(new StyleName { Val = "Chapter" }, new BasedOn { Val = "Heading1" }) { StyleId = "Chapter", Type = StyleValues.Paragraph },
                ParagraphStyle("Normal", "Normal"));

            var body = new Body(
                StyledParagraph("Title", "Widget Specification"),
                StyledParagraph("Heading1", "Scope"),
                new Paragraph(new Run(new Text("Widgets are small.")), new Run(new Break()), new Run(new Text("They\tfit in a hand."))),
                StyledParagraph("Kop2", "Parts"),
                ListParagraph(0, "Bolt"),
                ListParagraph(1, "Thread"),
                ListParagraph(0, "Nut"),
                HeaderTable(),
                new Paragraph(
                    new Run(new Text("Kept ") { Space = SpaceProcessingModeValues.Preserve }),
                    new DeletedRun(new Run(new DeletedText("removed "))),
                    new Run(new FieldCode(" PAGE ")),
                    new Run(new Text("text."))),
                new Paragraph(new ParagraphProperties(new OutlineLevel { Val = 2 }), new Run(new Text("Tolerances"))),
                new Paragraph(new Run(new Text("Within 0.1 mm."))),
                StyledParagraph("Chapter", "Appendix"),
                new SdtBlock(new SdtContentBlock(new Paragraph(new Run(new Text("Inside a content control."))))),
                new Paragraph(new Run(new Text("   "))),
                new SectionProperties());
            main.Document = new DocumentFormat.OpenXml.Wordprocessing.Document(body);
            document.PackageProperties.Creator = "Ann Author";
        }

        return stream.ToArray();
    }

    /// <summary>A DOCX whose only table has no header marking.</summary>
    public static byte[] PlainTableDocx()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            MainDocumentPart main = document.AddMainDocumentPart();
            main.Document = new DocumentFormat.OpenXml.Wordprocessing.Document(new Body(
                new Table(Row(false, "a", "b"), Row(false, "c", "d"))));
        }

        return stream.ToArray();
    }

    /// <summary>A DOCX with an empty body.</summary>
    public static byte[] EmptyDocx()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            document.AddMainDocumentPart().Document = new DocumentFormat.OpenXml.Wordprocessing.Document(new Body());
        }

        return stream.ToArray();
    }

    private static Style ParagraphStyle(string id, string name) =>
        new(new StyleName { Val = name }) { StyleId = id, Type = StyleValues.Paragraph };

    private static Paragraph StyledParagraph(string styleId, string text) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = styleId }), new Run(new Text(text)));

    private static Paragraph ListParagraph(int level, string text) =>
        new(
            new ParagraphProperties(new NumberingProperties(new NumberingLevelReference { Val = level }, new NumberingId { Val = 1 })),
            new Run(new Text(text)));

    private static Table HeaderTable() =>
        new(
            new TableProperties(new TableLook { FirstRow = false }),
            Row(true, "Part", "Count"),
            Row(false, "Bolt", "4"),
            Row(false, "Nut | washer", "4"));

    private static TableRow Row(bool header, params string[] cells)
    {
        var row = new TableRow();
        if (header)
        {
            row.Append(new TableRowProperties(new TableHeader()));
        }

        foreach (string cell in cells)
        {
            row.Append(new TableCell(new Paragraph(new Run(new Text(cell)))));
        }

        return row;
    }
}
