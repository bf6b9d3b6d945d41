using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Llm.Stack.Tests.Chunking;

/// <summary>FsCheck generator of documents with structure: headings (nested sections), paragraphs, tables with header rows, code blocks.</summary>
internal static class StructuredText
{
    private static readonly Gen<(DocumentElementKind Kind, string[] Lines)> _block =
        Gen.Frequency(
            (2, Gen.Elements("Intro", "Setup", "Usage", "見出し", "Ünïcode 🧑‍🚀").Select(t => (DocumentElementKind.Heading, new[] { t }))),
            (4, AdversarialText.Text.Select(t => (DocumentElementKind.Paragraph, new[] { t }))),
            (2, Gen.Choose(1, 25).SelectMany(n => Gen.ArrayOf(AdversarialText.Text.Select(t => "| " + t.Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal) + " |"), n))
                .Select(rows => (DocumentElementKind.Table, rows))),
            (1, Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(Gen.Elements("    x = 1;", "for (;;) { }", "\treturn y;", "// 注释", "}"), n))
                .Select(lines => (DocumentElementKind.Code, lines))));

    public static Arbitrary<(Document Document, int Max, bool Prefix)> Cases { get; } =
        (from blocks in _block.ListOf()
         from max in Gen.Choose(16, 96)
         from prefix in Gen.Elements(true, false)
         select (Build(blocks), max, prefix)).ToArbitrary();

    private static Document Build(IEnumerable<(DocumentElementKind Kind, string[] Lines)> blocks)
    {
        var text = new StringBuilder();
        var elements = new List<DocumentElement>();
        var path = new List<string>();
        foreach ((DocumentElementKind kind, string[] lines) in blocks)
        {
            if (text.Length > 0)
            {
                text.Append("\n\n");
            }

            int start = text.Length;
            if (kind == DocumentElementKind.Heading)
            {
                int level = Math.Min(path.Count + 1, 1 + (lines[0].Length % 3));
                path.RemoveRange(level - 1, path.Count - (level - 1));
                path.Add(lines[0]);
                text.Append('#', level).Append(' ').Append(lines[0]);
                elements.Add(new DocumentElement(kind, start, text.Length - start) { HeadingLevel = level, SectionPath = [.. path] });
                continue;
            }

            var rows = new List<Range>();
            for (int i = 0; i < lines.Length; i++)
            {
                if (i > 0)
                {
                    text.Append('\n');
                }

                int rowStart = text.Length;
                text.Append(lines[i]);
                rows.Add(rowStart..text.Length);
            }

            elements.Add(new DocumentElement(kind, start, text.Length - start)
            {
                SectionPath = [.. path],
                Rows = kind == DocumentElementKind.Table ? rows : [],
                HasHeaderRow = kind == DocumentElementKind.Table && rows.Count > 1,
                PageNumber = 1 + (elements.Count / 3),
            });
        }

        return new Document("structured", text.ToString()) { Elements = elements, MediaType = "text/markdown" };
    }
}
