using System.Runtime.CompilerServices;
using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Llm.Stack;

/// <summary>Reads Markdown (CommonMark with pipe tables and YAML front matter) with Markdig, keeping its structure.</summary>
/// <remarks>
/// <para>
/// <see cref="Document.Text"/> is the Markdown source itself (line endings normalised to <c>\n</c>), not a
/// rendering: pipe tables, code fences and list markers stay readable to a model, and every character range of a
/// chunk maps straight back to the file for citations. The elements, taken from Markdig's syntax tree, are:
/// headings (<see cref="DocumentElement.HeadingLevel"/> set; the section path of every following element holds
/// the titles of the enclosing headings), paragraphs, tables (one element per table with one range per row, the
/// header row first and flagged), code blocks (whole, fences included), list items (one per item; nested items
/// are their own elements), quotes (whole), and raw HTML blocks as paragraphs. YAML front matter is not an
/// element; its <c>title:</c>, when present, and otherwise the first level-1 heading, becomes the
/// <c>title</c> metadata entry.
/// </para>
/// <para>Encoding is detected as by <see cref="PlainTextReader"/> (byte-order marks, strict UTF-8, binary rejected).</para>
/// <para>
/// Large documents: <see cref="IngestionPipeline"/> reads a large file through this reader in sections cut at blank
/// lines outside code fences; the heading path carries from one section to the next, so section paths are those of a
/// whole read, and the front matter's title is read from the first section (see the pipeline's remarks).
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class MarkdownReader : IDocumentReader, ISectionedTextReader
{
    /// <summary>The metadata key of the document title.</summary>
    public const string TitleMetadataKey = "title";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseYamlFrontMatter()
        .Build();

    // Sections after the first of a document read in sections: a leading "---" there is a thematic break, not front matter.
    private static readonly MarkdownPipeline LaterSectionPipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .Build();

    private readonly Encoding? _encoding;

    /// <summary>Initializes a new instance of the <see cref="MarkdownReader"/> class.</summary>
    /// <param name="encoding">The encoding of content without a byte-order mark; <see langword="null"/> for strict UTF-8.</param>
    public MarkdownReader(Encoding? encoding = null)
    {
        _encoding = encoding;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [DocumentMediaTypes.Markdown, "text/x-markdown"];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        string text = await TextDecoding.ReadAllAsync(content, _encoding, context.DocumentId, metadata, cancellationToken).ConfigureAwait(false);
        List<DocumentElement> elements = Parse(text, metadata, cancellationToken);
        yield return new Document(context.DocumentId, text)
        {
            Source = context.Source,
            MediaType = DocumentMediaTypes.Markdown,
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

        var sections = new SectionPathTracker(); // the heading path carries across sections
        MarkdownPipeline pipeline = Pipeline;
        await foreach (string section in TextDecoding.ReadSectionsAsync(content, encoding, context.DocumentId, metadata, sectionChars, FindSectionCut, cancellationToken).ConfigureAwait(false))
        {
            List<DocumentElement> elements = Parse(section, metadata, sections, pipeline, cancellationToken);
            pipeline = LaterSectionPipeline;
            yield return new Document(context.DocumentId, section)
            {
                Source = context.Source,
                MediaType = DocumentMediaTypes.Markdown,
                Elements = elements,
                Metadata = metadata,
            };
        }
    }

    /// <summary>Parses Markdown source into elements whose ranges index <paramref name="text"/>.</summary>
    internal static List<DocumentElement> Parse(string text, IDictionary<string, object?> metadata, CancellationToken cancellationToken) =>
        Parse(text, metadata, new SectionPathTracker(), Pipeline, cancellationToken);

    /// <summary>The length of a Markdown section: up to its last blank line outside a code fence in the second half of the window; -1 to read on, up to four windows, then its last line break.</summary>
    internal static int FindSectionCut(string text, int sectionChars)
    {
        int half = Math.Min(text.Length, sectionChars) / 2;
        int best = -1;
        bool inFence = false;
        int lineStart = 0;
        while (lineStart < text.Length)
        {
            int lineEnd = text.IndexOf('\n', lineStart);
            if (lineEnd < 0)
            {
                break; // the last line may be incomplete
            }

            ReadOnlySpan<char> line = text.AsSpan(lineStart, lineEnd - lineStart).TrimStart(' ');
            if (line.StartsWith("```", StringComparison.Ordinal) || line.StartsWith("~~~", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && line.IsWhiteSpace() && lineEnd + 1 >= half)
            {
                best = lineEnd + 1;
                if (best >= sectionChars)
                {
                    break;
                }
            }

            lineStart = lineEnd + 1;
        }

        if (best > 0)
        {
            return best;
        }

        if (text.Length < 4L * sectionChars)
        {
            return -1;
        }

        int last = text.LastIndexOf('\n');
        return last > 0 ? last + 1 : TextDecoding.FindParagraphCut(text, sectionChars);
    }

    private static List<DocumentElement> Parse(string text, IDictionary<string, object?> metadata, SectionPathTracker sections, MarkdownPipeline pipeline, CancellationToken cancellationToken)
    {
        MarkdownDocument document = Markdown.Parse(text, pipeline);
        var walker = new Walker(text, sections, cancellationToken);
        walker.VisitContainer(document);
        string? title = walker.FrontMatterTitle ?? walker.FirstTitle;
        if (title is not null && !metadata.ContainsKey(TitleMetadataKey))
        {
            metadata[TitleMetadataKey] = title;
        }

        return walker.Elements;
    }

    private sealed class Walker(string text, SectionPathTracker sections, CancellationToken cancellationToken)
    {
        private readonly SectionPathTracker _sections = sections;
        private int _lastEnd;

        public List<DocumentElement> Elements { get; } = [];

        public string? FirstTitle => _sections.FirstTitle;

        public string? FrontMatterTitle { get; private set; }

        public void VisitContainer(ContainerBlock container)
        {
            foreach (Block block in container)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (block)
                {
                    case YamlFrontMatterBlock frontMatter:
                        FrontMatterTitle ??= ReadFrontMatterTitle(frontMatter);
                        _lastEnd = Math.Max(_lastEnd, End(frontMatter));
                        break;
                    case HeadingBlock heading:
                        AddHeading(heading);
                        break;
                    case Table table:
                        AddTable(table);
                        break;
                    case CodeBlock code:
                        Add(DocumentElementKind.Code, code.Span.Start, End(code));
                        break;
                    case QuoteBlock quote:
                        Add(DocumentElementKind.Quote, quote.Span.Start, End(quote));
                        break;
                    case ListBlock list:
                        VisitList(list);
                        break;
                    case ThematicBreakBlock or LinkReferenceDefinitionGroup or BlankLineBlock:
                        break;
                    case ContainerBlock inner:
                        VisitContainer(inner);
                        break;
                    default:
                        Add(DocumentElementKind.Paragraph, block.Span.Start, End(block));
                        break;
                }
            }
        }

        private void VisitList(ListBlock list)
        {
            foreach (Block item in list)
            {
                if (item is not ListItemBlock listItem)
                {
                    Add(DocumentElementKind.Paragraph, item.Span.Start, End(item));
                    continue;
                }

                int groupStart = listItem.Span.Start;
                int groupEnd = -1;
                foreach (Block child in listItem)
                {
                    if (child is ListBlock nested)
                    {
                        FlushItem(groupStart, groupEnd);
                        groupEnd = -1;
                        VisitList(nested);
                        groupStart = -1;
                    }
                    else
                    {
                        if (groupStart < 0)
                        {
                            groupStart = child.Span.Start;
                        }

                        groupEnd = End(child);
                    }
                }

                FlushItem(groupStart, groupEnd);
            }
        }

        private void FlushItem(int start, int end)
        {
            if (start >= 0 && end > start)
            {
                Add(DocumentElementKind.ListItem, start, end);
            }
        }

        private void AddHeading(HeadingBlock heading)
        {
            IReadOnlyList<string> parentPath = _sections.Enter(heading.Level, InlineText(heading.Inline));
            Add(DocumentElementKind.Heading, heading.Span.Start, End(heading), heading.Level, parentPath);
        }

        private void AddTable(Table table)
        {
            int start = Math.Max(table.Span.Start, _lastEnd);
            int end = End(table);
            if (end <= start)
            {
                return;
            }

            var rows = new List<Range>();
            bool hasHeader = false;
            foreach (Block block in table)
            {
                if (block is TableRow row && row.Span.Start >= start && End(row) <= end && End(row) > row.Span.Start)
                {
                    if (rows.Count == 0 && row.IsHeader)
                    {
                        hasHeader = true;
                    }

                    // Markdig's row span leaves out the outer pipes; a pipe-table row is a whole line.
                    int rowStart = row.Span.Start;
                    while (rowStart > start && text[rowStart - 1] != '\n')
                    {
                        rowStart--;
                    }

                    int rowEnd = text.IndexOf('\n', End(row) - 1, end - (End(row) - 1));
                    rowEnd = rowEnd < 0 ? end : rowEnd;
                    while (rowEnd > rowStart && char.IsWhiteSpace(text[rowEnd - 1]))
                    {
                        rowEnd--;
                    }

                    while (rowStart < rowEnd && char.IsWhiteSpace(text[rowStart]))
                    {
                        rowStart++;
                    }

                    rows.Add(new Range(rowStart, rowEnd));
                }
            }

            Elements.Add(new DocumentElement(DocumentElementKind.Table, start, end - start)
            {
                SectionPath = _sections.Current,
                Rows = rows,
                HasHeaderRow = hasHeader,
            });
            _lastEnd = end;
        }

        private void Add(DocumentElementKind kind, int start, int end, int? headingLevel = null, IReadOnlyList<string>? sectionPath = null)
        {
            start = Math.Max(start, _lastEnd);
            end = Math.Min(end, text.Length);
            while (end > start && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            if (end <= start)
            {
                return;
            }

            Elements.Add(new DocumentElement(kind, start, end - start)
            {
                HeadingLevel = headingLevel,
                SectionPath = sectionPath ?? _sections.Current,
            });
            _lastEnd = end;
        }

        // Markdig spans are inclusive of their last character; empty blocks have End < Start.
        private int End(Block block) => block.Span.End < block.Span.Start ? block.Span.Start : Math.Min(block.Span.End + 1, text.Length);

        private static string InlineText(ContainerInline? container)
        {
            if (container is null)
            {
                return string.Empty;
            }

            var builder = new StringBuilder();
            AppendInline(builder, container);
            return builder.ToString();
        }

        private static void AppendInline(StringBuilder builder, Inline inline)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    builder.Append(literal.Content.AsSpan());
                    break;
                case CodeInline code:
                    builder.Append(code.Content);
                    break;
                case LineBreakInline:
                    builder.Append(' ');
                    break;
                case HtmlEntityInline entity:
                    builder.Append(entity.Transcoded.AsSpan());
                    break;
                case ContainerInline container:
                    for (Inline? child = container.FirstChild; child is not null; child = child.NextSibling)
                    {
                        AppendInline(builder, child);
                    }

                    break;
                default:
                    break;
            }
        }

        private static string? ReadFrontMatterTitle(YamlFrontMatterBlock frontMatter)
        {
            // Lines.Lines is the backing array: only the first Lines.Count entries are lines (the rest are empty slots).
            for (int i = 0; i < frontMatter.Lines.Count; i++)
            {
                ReadOnlySpan<char> span = frontMatter.Lines.Lines[i].Slice.AsSpan().Trim();
                if (span.StartsWith("title:", StringComparison.OrdinalIgnoreCase))
                {
                    string value = span["title:".Length..].Trim().Trim("\"'").ToString();
                    return value.Length > 0 ? value : null;
                }
            }

            return null;
        }
    }
}
