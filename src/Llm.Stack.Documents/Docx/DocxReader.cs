using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Llm.Stack.Documents;

/// <summary>Reads a Word document (DOCX, Office Open XML) with DocumentFormat.OpenXml: headings, paragraphs, lists and tables.</summary>
/// <remarks>
/// <para>
/// <see cref="Document.Text"/> is the body's text, blocks separated by blank lines. A paragraph is a heading when
/// its style (or a style it is based on) is <c>Heading 1</c> … <c>Heading 9</c> or <c>Title</c>, or has an outline
/// level; headings set the section path of the elements that follow. Numbered and bulleted paragraphs become
/// <see cref="DocumentElementKind.ListItem"/> elements written as <c>- item</c> (indented two spaces per level),
/// consecutive items on consecutive lines. A table becomes one <see cref="DocumentElementKind.Table"/> element
/// with each row on one line as <c>cell | cell</c>; its first row is flagged as the header when it is marked to
/// repeat as a header row or the table style applies first-row formatting. Content controls are read through;
/// deleted revisions and field codes are not text. The core properties' title and creator become the
/// <see cref="TitleMetadataKey"/> and <see cref="AuthorMetadataKey"/> metadata entries.
/// </para>
/// <para>
/// A file that is not a valid DOCX package raises <see cref="InvalidDataException"/>. A stream that cannot seek
/// is first copied into memory. The stream is left open.
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class DocxReader : IDocumentReader
{
    /// <summary>The media type of DOCX.</summary>
    public const string MediaType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    /// <summary>The metadata key of the document title.</summary>
    public const string TitleMetadataKey = "title";

    /// <summary>The metadata key of the document author.</summary>
    public const string AuthorMetadataKey = "author";

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [MediaType];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        // The package is opened from a private copy: System.IO.Packaging may close the stream it is given.
        var copy = new MemoryStream();
        await using (copy.ConfigureAwait(false))
        {
            await content.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
            yield return Read(copy, context, cancellationToken);
        }
    }

    private static Document Read(Stream stream, DocumentReadContext context, CancellationToken cancellationToken)
    {
        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        Writer writer;
        try
        {
            using WordprocessingDocument word = WordprocessingDocument.Open(stream, isEditable: false);
            Body body = word.MainDocumentPart?.Document?.Body
                ?? throw new InvalidDataException($"Document '{context.DocumentId}' is a package without a Word document body.");
            ReaderText.SetIfAbsent(metadata, TitleMetadataKey, word.PackageProperties.Title);
            ReaderText.SetIfAbsent(metadata, AuthorMetadataKey, word.PackageProperties.Creator);
            writer = new Writer(StyleLevels(word.MainDocumentPart!.StyleDefinitionsPart?.Styles), cancellationToken);
            writer.WalkBlocks(body);
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or FileFormatException or XmlException or IOException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"Document '{context.DocumentId}' is not a readable DOCX file: {ex.Message}", ex);
        }

        if (writer.FirstTitle is { } title)
        {
            ReaderText.SetIfAbsent(metadata, TitleMetadataKey, title);
        }

        return new Document(context.DocumentId, writer.Text.ToString())
        {
            Source = context.Source,
            MediaType = MediaType,
            Elements = writer.Elements,
            Metadata = metadata,
        };
    }

    /// <summary>Maps each paragraph style id to its heading level (1-based), following <c>basedOn</c>.</summary>
    private static Dictionary<string, int> StyleLevels(Styles? styles)
    {
        var levels = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (styles is null)
        {
            return levels;
        }

        Dictionary<string, Style> byId = [];
        foreach (Style style in styles.Elements<Style>())
        {
            if (style.StyleId?.Value is { } id)
            {
                byId[id] = style;
            }
        }

        foreach (string id in byId.Keys)
        {
            string? current = id;
            for (int depth = 0; current is not null && depth < 10; depth++)
            {
                if (!byId.TryGetValue(current, out Style? style))
                {
                    break;
                }

                if (LevelOfStyle(style) is int level)
                {
                    levels[id] = level;
                    break;
                }

                current = style.BasedOn?.Val?.Value;
            }
        }

        return levels;
    }

    private static int? LevelOfStyle(Style style)
    {
        if (style.StyleParagraphProperties?.OutlineLevel?.Val?.Value is int outline && outline < 9)
        {
            return outline + 1;
        }

        string name = style.StyleName?.Val?.Value ?? style.StyleId?.Value ?? string.Empty;
        return HeadingLevelFromName(name);
    }

    internal static int? HeadingLevelFromName(string name)
    {
        string compact = name.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (compact.Equals("Title", StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }

        return compact.Length == 8 && compact.StartsWith("heading", StringComparison.OrdinalIgnoreCase) && compact[7] is >= '1' and <= '9'
            ? compact[7] - '0'
            : null;
    }

    private sealed class Writer(Dictionary<string, int> styleLevels, CancellationToken cancellationToken)
    {
        private readonly SectionPathTracker _sections = new();
        private bool _listOpen;

        public StringBuilder Text { get; } = new();

        public List<DocumentElement> Elements { get; } = [];

        public string? FirstTitle => _sections.FirstTitle;

        public void WalkBlocks(OpenXmlElement container)
        {
            foreach (OpenXmlElement child in container.ChildElements)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (child)
                {
                    case Paragraph paragraph:
                        AddParagraph(paragraph);
                        break;
                    case Table table:
                        AddTable(table);
                        break;
                    case SdtBlock sdt when sdt.SdtContentBlock is { } sdtContent:
                        WalkBlocks(sdtContent);
                        break;
                    case CustomXmlBlock custom:
                        WalkBlocks(custom);
                        break;
                    default:
                        break;
                }
            }
        }

        private void AddParagraph(Paragraph paragraph)
        {
            string text = ReaderText.Clean(ParagraphText(paragraph));
            if (text.Length == 0)
            {
                return;
            }

            ParagraphProperties? properties = paragraph.ParagraphProperties;
            int? level = properties?.OutlineLevel?.Val?.Value is int outline && outline < 9 ? outline + 1 : null;
            if (level is null && properties?.ParagraphStyleId?.Val?.Value is { } styleId)
            {
                level = styleLevels.TryGetValue(styleId, out int styleLevel) ? styleLevel : HeadingLevelFromName(styleId);
            }

            if (level is int headingLevel)
            {
                AddHeading(headingLevel, text.Replace('\n', ' '));
                return;
            }

            if (properties?.NumberingProperties is { } numbering && numbering.NumberingId?.Val?.Value != 0)
            {
                int depth = numbering.NumberingLevelReference?.Val?.Value ?? 0;
                string indent = new(' ', depth * 2);
                string line = indent + "- " + text.Replace("\n", "\n" + indent + "  ", StringComparison.Ordinal);
                Text.Append(Text.Length == 0 ? string.Empty : _listOpen ? "\n" : "\n\n");
                int start = Text.Length;
                Text.Append(line);
                Elements.Add(new DocumentElement(DocumentElementKind.ListItem, start, line.Length) { SectionPath = _sections.Current });
                _listOpen = true;
                return;
            }

            AddBlock(DocumentElementKind.Paragraph, text);
        }

        private static string ParagraphText(OpenXmlElement paragraph)
        {
            var builder = new StringBuilder();
            foreach (OpenXmlElement element in paragraph.Descendants())
            {
                switch (element)
                {
                    case Text t:
                        builder.Append(t.Text);
                        break;
                    case TabChar or PositionalTab:
                        builder.Append('\t');
                        break;
                    case Break or CarriageReturn:
                        builder.Append('\n');
                        break;
                    case NoBreakHyphen:
                        builder.Append('-');
                        break;
                    default:
                        break;
                }
            }

            return builder.ToString();
        }

        private void AddHeading(int level, string title)
        {
            IReadOnlyList<string> parentPath = _sections.Enter(level, title);
            AddBlock(DocumentElementKind.Heading, title, level, parentPath);
        }

        private int StartBlock()
        {
            if (Text.Length > 0)
            {
                Text.Append("\n\n");
            }

            _listOpen = false;
            return Text.Length;
        }

        private void AddBlock(DocumentElementKind kind, string content, int? headingLevel = null, IReadOnlyList<string>? sectionPath = null)
        {
            int start = StartBlock();
            Text.Append(content);
            Elements.Add(new DocumentElement(kind, start, content.Length)
            {
                HeadingLevel = headingLevel,
                SectionPath = sectionPath ?? _sections.Current,
            });
        }

        private void AddTable(Table table)
        {
            var rows = new List<string>();
            bool firstRowIsHeader = false;
            foreach (TableRow row in table.Elements<TableRow>())
            {
                var cells = new List<string>();
                foreach (TableCell cell in row.Elements<TableCell>())
                {
                    var cellText = new StringBuilder();
                    foreach (Paragraph paragraph in cell.Descendants<Paragraph>())
                    {
                        string text = ReaderText.Clean(ParagraphText(paragraph)).Replace('\n', ' ');
                        if (text.Length > 0)
                        {
                            cellText.Append(cellText.Length > 0 ? " " : string.Empty).Append(text);
                        }
                    }

                    cells.Add(cellText.ToString().Replace("|", "\\|", StringComparison.Ordinal));
                }

                if (cells.Any(c => c.Length > 0))
                {
                    if (rows.Count == 0)
                    {
                        firstRowIsHeader = row.TableRowProperties?.GetFirstChild<TableHeader>() is { } header && (header.Val is null || header.Val.Value == OnOffOnlyValues.On)
                            || AppliesFirstRowFormat(table);
                    }

                    rows.Add(string.Join(" | ", cells));
                }
            }

            if (rows.Count == 0)
            {
                return;
            }

            int start = StartBlock();
            var ranges = new List<Range>(rows.Count);
            foreach (string row in rows)
            {
                if (ranges.Count > 0)
                {
                    Text.Append('\n');
                }

                ranges.Add(new Range(Text.Length, Text.Length + row.Length));
                Text.Append(row);
            }

            Elements.Add(new DocumentElement(DocumentElementKind.Table, start, Text.Length - start)
            {
                SectionPath = _sections.Current,
                Rows = ranges,
                HasHeaderRow = firstRowIsHeader && rows.Count > 1,
            });
        }

        private static bool AppliesFirstRowFormat(Table table)
        {
            TableLook? look = table.GetFirstChild<TableProperties>()?.TableLook;
            if (look is null)
            {
                return false;
            }

            if (look.FirstRow is { } firstRow)
            {
                return firstRow.Value;
            }

            // The older hexadecimal form: bit 0x0020 is "first row".
            return look.Val?.Value is { } hex && int.TryParse(hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out int bits) && (bits & 0x0020) != 0;
        }
    }
}
