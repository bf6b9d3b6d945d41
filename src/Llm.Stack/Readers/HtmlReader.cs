using System.Runtime.CompilerServices;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Llm.Stack;

/// <summary>Reads the main content of an HTML page with AngleSharp into readable text with its structure.</summary>
/// <remarks>
/// <para>
/// The content is taken from <c>&lt;main&gt;</c>, else the first <c>&lt;article&gt;</c>, else an element with
/// <c>role="main"</c>, else <c>&lt;body&gt;</c>. Scripts, styles, <c>noscript</c>, templates, SVG, frames,
/// navigation and asides are dropped, as are hidden elements; page-level <c>header</c> and <c>footer</c> are
/// dropped when the content falls back to the body.
/// </para>
/// <para>
/// <see cref="Document.Text"/> is a plain-text rendering: blocks separated by blank lines, white space collapsed,
/// <c>&lt;br&gt;</c> kept as line breaks, <c>&lt;pre&gt;</c> verbatim, list items as <c>- item</c> or <c>1. item</c>
/// (indented two spaces per nesting level), and each table row on one line as <c>cell | cell</c>. Elements:
/// headings (<c>h1</c>–<c>h6</c>; the section path of each following element holds the enclosing headings),
/// paragraphs, code (<c>pre</c>), list items, quotes, and tables with one range per row (the header row, from
/// <c>&lt;thead&gt;</c> or a first row of <c>&lt;th&gt;</c> cells, first and flagged). The page title, language
/// and description become the <c>title</c>, <c>language</c> and <c>description</c> metadata entries.
/// </para>
/// <para>Encoding is detected as by <see cref="PlainTextReader"/> (byte-order marks, strict UTF-8, binary rejected).</para>
/// <para>
/// Reading is linear in the input, however deeply the markup nests: as in browsers, elements nested deeper than 512
/// levels are read as part of their ancestor at that depth (their text is kept, their own structure is not).
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class HtmlReader : IDocumentReader
{
    /// <summary>The metadata key of the page title.</summary>
    public const string TitleMetadataKey = "title";

    /// <summary>The metadata key of the page language (the <c>lang</c> attribute of <c>&lt;html&gt;</c>).</summary>
    public const string LanguageMetadataKey = "language";

    /// <summary>The metadata key of the page description (<c>&lt;meta name="description"&gt;</c>).</summary>
    public const string DescriptionMetadataKey = "description";

    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal)
    {
        "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "nav", "aside",
        "head", "title", "button", "select", "input", "textarea", "dialog",
    };

    private static readonly HashSet<string> BlockTags = new(StringComparer.Ordinal)
    {
        "address", "article", "blockquote", "body", "center", "dd", "details", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li",
        "main", "menu", "ol", "p", "pre", "section", "summary", "table", "ul", "caption", "html",
    };

    private readonly Encoding? _encoding;

    /// <summary>Initializes a new instance of the <see cref="HtmlReader"/> class.</summary>
    /// <param name="encoding">The encoding of content without a byte-order mark; <see langword="null"/> for strict UTF-8.</param>
    public HtmlReader(Encoding? encoding = null)
    {
        _encoding = encoding;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [DocumentMediaTypes.Html, DocumentMediaTypes.Xhtml];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        string html = await TextDecoding.ReadAllAsync(content, _encoding, context.DocumentId, metadata, cancellationToken).ConfigureAwait(false);
        (string text, List<DocumentElement> elements) = Convert(html, metadata, cancellationToken);
        yield return new Document(context.DocumentId, text)
        {
            Source = context.Source,
            MediaType = DocumentMediaTypes.Html,
            Elements = elements,
            Metadata = metadata,
        };
    }

    /// <summary>Converts markup to text and elements, nesting flattened past <paramref name="maxDepth"/> (the benchmark's baseline passes <see cref="int.MaxValue"/>).</summary>
    internal static (string Text, List<DocumentElement> Elements) Convert(
        string html, IDictionary<string, object?> metadata, CancellationToken cancellationToken, int maxDepth = HtmlDepthLimiter.DefaultMaxDepth)
    {
        var parser = new HtmlParser();
        // Bounded nesting keeps parsing linear in the input (see HtmlDepthLimiter).
        using IHtmlDocument document = parser.ParseDocument(HtmlDepthLimiter.Limit(html, maxDepth));

        IElement? root = document.QuerySelector("main") ?? document.QuerySelector("article") ?? document.QuerySelector("[role=main]");
        bool fromBody = root is null;
        root ??= document.Body ?? document.DocumentElement;

        var writer = new Writer(fromBody, cancellationToken);
        writer.WalkBlock(root);

        string? title = Collapse(document.Title ?? string.Empty).Trim();
        if (title.Length == 0)
        {
            title = writer.FirstTitle;
        }

        ReaderText.SetIfAbsent(metadata, TitleMetadataKey, title);
        ReaderText.SetIfAbsent(metadata, LanguageMetadataKey, document.DocumentElement?.GetAttribute("lang"));
        ReaderText.SetIfAbsent(metadata, DescriptionMetadataKey, document.QuerySelector("meta[name=description]")?.GetAttribute("content")?.Trim());
        return (writer.Text.ToString(), writer.Elements);
    }

    /// <summary>Collapses runs of HTML white space into one space; <c>\n</c> marks from <c>&lt;br&gt;</c> survive.</summary>
    private static string Collapse(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        bool pendingSpace = false;
        foreach (char c in raw)
        {
            if (c == LineBreakMark)
            {
                TrimEndSpaces(builder);
                if (builder.Length > 0 && builder[^1] != '\n')
                {
                    builder.Append('\n');
                }

                pendingSpace = false;
            }
            else if (char.IsWhiteSpace(c) || (c < ' ' && c != '\t'))
            {
                pendingSpace = builder.Length > 0 && builder[^1] != '\n';
            }
            else
            {
                if (pendingSpace)
                {
                    builder.Append(' ');
                    pendingSpace = false;
                }

                builder.Append(c);
            }
        }

        return builder.ToString().Trim('\n', ' ');
    }

    private static void TrimEndSpaces(StringBuilder builder)
    {
        while (builder.Length > 0 && builder[^1] == ' ')
        {
            builder.Length--;
        }
    }

    // A private-use character stands for <br> while white space is collapsed.
    private const char LineBreakMark = '\uE000';

    private static bool IsHidden(IElement element) =>
        element.HasAttribute("hidden") || string.Equals(element.GetAttribute("aria-hidden"), "true", StringComparison.OrdinalIgnoreCase);

    private sealed class Writer(bool fromBody, CancellationToken cancellationToken)
    {
        private readonly SectionPathTracker _sections = new();
        private bool _listOpen;

        public StringBuilder Text { get; } = new();

        public List<DocumentElement> Elements { get; } = [];

        public string? FirstTitle => _sections.FirstTitle;

        public void WalkBlock(IElement container)
        {
            var pending = new StringBuilder();
            foreach (INode node in container.ChildNodes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node is IText textNode)
                {
                    pending.Append(textNode.Data);
                    continue;
                }

                if (node is not IElement element || IsSkipped(element))
                {
                    continue;
                }

                string tag = element.LocalName;
                if (tag == "br")
                {
                    pending.Append(LineBreakMark);
                    continue;
                }

                if (!BlockTags.Contains(tag) && !HasBlockDescendant(element))
                {
                    AppendInline(pending, element);
                    continue;
                }

                FlushParagraph(pending);
                switch (tag)
                {
                    case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                        AddHeading(tag[1] - '0', Collapse(InlineText(element)).Replace('\n', ' '));
                        break;
                    case "p" or "dt" or "dd" or "summary" or "figcaption" or "caption" or "address":
                        if (HasBlockDescendant(element))
                        {
                            WalkBlock(element);
                        }
                        else
                        {
                            AddBlock(DocumentElementKind.Paragraph, Collapse(InlineText(element)));
                        }

                        break;
                    case "pre":
                        AddBlock(DocumentElementKind.Code, RawText(element).Replace("\r\n", "\n", StringComparison.Ordinal).Trim('\n').TrimEnd());
                        break;
                    case "table":
                        AddTable(element);
                        break;
                    case "ul" or "ol" or "menu":
                        AddList(element, 0);
                        break;
                    case "blockquote":
                        AddBlock(DocumentElementKind.Quote, BlockText(element));
                        break;
                    case "hr":
                        break;
                    default:
                        WalkBlock(element);
                        break;
                }
            }

            FlushParagraph(pending);
        }

        // Preformatted text verbatim, without the text of dropped elements (a script inside <pre> is still a script).
        private string RawText(IElement element)
        {
            var builder = new StringBuilder();
            AppendRaw(builder, element);
            return builder.ToString();
        }

        private void AppendRaw(StringBuilder builder, INode node)
        {
            foreach (INode child in node.ChildNodes)
            {
                if (child is IText text)
                {
                    builder.Append(text.Data);
                }
                else if (child is IElement element && !IsSkipped(element))
                {
                    if (element.LocalName == "br")
                    {
                        builder.Append('\n');
                    }
                    else
                    {
                        AppendRaw(builder, element);
                    }
                }
            }
        }

        private bool IsSkipped(IElement element) =>
            Dropped.Contains(element.LocalName) || IsHidden(element) || (fromBody && element.LocalName is "header" or "footer");

        private bool HasBlockDescendant(IElement element)
        {
            foreach (IElement child in element.Children)
            {
                if (!IsSkipped(child) && (BlockTags.Contains(child.LocalName) || HasBlockDescendant(child)))
                {
                    return true;
                }
            }

            return false;
        }

        private void FlushParagraph(StringBuilder pending)
        {
            if (pending.Length > 0)
            {
                AddBlock(DocumentElementKind.Paragraph, Collapse(pending.ToString()));
                pending.Clear();
            }
        }

        private string InlineText(IElement element)
        {
            var builder = new StringBuilder();
            AppendInline(builder, element);
            return builder.ToString();
        }

        private void AppendInline(StringBuilder builder, INode node)
        {
            foreach (INode child in node.ChildNodes)
            {
                if (child is IText text)
                {
                    builder.Append(text.Data);
                }
                else if (child is IElement element && !IsSkipped(element))
                {
                    if (element.LocalName == "br")
                    {
                        builder.Append(LineBreakMark);
                    }
                    else
                    {
                        bool block = BlockTags.Contains(element.LocalName);
                        if (block)
                        {
                            builder.Append(' ');
                        }

                        AppendInline(builder, element);
                        if (block)
                        {
                            builder.Append(' ');
                        }
                    }
                }
            }
        }

        // Text of a container of blocks (a quote, a list item, a table cell): blocks on their own lines.
        private string BlockText(IElement element)
        {
            var builder = new StringBuilder();
            AppendBlockText(builder, element);
            return Collapse(builder.ToString());
        }

        private void AppendBlockText(StringBuilder builder, INode node)
        {
            foreach (INode child in node.ChildNodes)
            {
                if (child is IText text)
                {
                    builder.Append(text.Data);
                }
                else if (child is IElement element && !IsSkipped(element))
                {
                    bool block = BlockTags.Contains(element.LocalName) || element.LocalName == "br";
                    if (block)
                    {
                        builder.Append(LineBreakMark);
                    }

                    AppendBlockText(builder, element);
                    if (block)
                    {
                        builder.Append(LineBreakMark);
                    }
                }
            }
        }

        private void AddHeading(int level, string title)
        {
            title = title.Trim();
            if (title.Length == 0)
            {
                return;
            }

            IReadOnlyList<string> parentPath = _sections.Enter(level, title);
            AddBlock(DocumentElementKind.Heading, title, level, parentPath);
        }

        private int StartBlock()
        {
            if (Text.Length > 0)
            {
                Text.Append("\n\n");
            }

            return Text.Length;
        }

        private void AddBlock(DocumentElementKind kind, string content, int? headingLevel = null, IReadOnlyList<string>? sectionPath = null)
        {
            if (string.IsNullOrWhiteSpace(content))
            {
                return;
            }

            int start = StartBlock();
            Text.Append(content);
            Elements.Add(new DocumentElement(kind, start, content.Length)
            {
                HeadingLevel = headingLevel,
                SectionPath = sectionPath ?? _sections.Current,
            });
        }

        private void AddList(IElement list, int depth)
        {
            if (depth == 0)
            {
                _listOpen = false;
            }

            bool ordered = list.LocalName == "ol";
            int number = ordered && int.TryParse(list.GetAttribute("start"), out int first) ? first : 1;
            foreach (IElement item in list.Children)
            {
                if (item.LocalName != "li" || IsSkipped(item))
                {
                    continue;
                }

                var own = new StringBuilder();
                var nested = new List<IElement>();
                foreach (INode child in item.ChildNodes)
                {
                    if (child is IElement { LocalName: "ul" or "ol" } sub && !IsSkipped(sub))
                    {
                        nested.Add(sub);
                    }
                    else if (child is IText text)
                    {
                        own.Append(text.Data);
                    }
                    else if (child is IElement element && !IsSkipped(element))
                    {
                        if (element.LocalName == "br")
                        {
                            own.Append(LineBreakMark);
                        }
                        else if (BlockTags.Contains(element.LocalName))
                        {
                            own.Append(LineBreakMark);
                            AppendInline(own, element);
                            own.Append(LineBreakMark);
                        }
                        else
                        {
                            AppendInline(own, element);
                        }
                    }
                }

                string itemText = Collapse(own.ToString()).Replace("\n", "\n" + new string(' ', (depth * 2) + 2), StringComparison.Ordinal);
                if (itemText.Length > 0)
                {
                    string marker = ordered ? $"{number}. " : "- ";
                    string line = new string(' ', depth * 2) + marker + itemText;
                    // Items of one list, nested ones included, are on consecutive lines.
                    Text.Append(Text.Length == 0 ? string.Empty : _listOpen ? "\n" : "\n\n");
                    int start = Text.Length;
                    Text.Append(line);
                    _listOpen = true;
                    Elements.Add(new DocumentElement(DocumentElementKind.ListItem, start, line.Length) { SectionPath = _sections.Current });
                }

                number++;
                foreach (IElement sub in nested)
                {
                    AddList(sub, depth + 1);
                }
            }

            if (depth == 0)
            {
                _listOpen = false;
            }
        }

        private void AddTable(IElement table)
        {
            var rows = new List<(string Line, bool Header)>();
            foreach (IElement row in table.QuerySelectorAll("tr"))
            {
                if (row.Closest("table") != table || IsSkipped(row))
                {
                    continue;
                }

                var cells = new List<string>();
                bool allHeader = true;
                foreach (IElement cell in row.Children)
                {
                    if (cell.LocalName is "td" or "th")
                    {
                        cells.Add(BlockText(cell).Replace('\n', ' ').Replace("|", "\\|", StringComparison.Ordinal));
                        allHeader &= cell.LocalName == "th";
                    }
                }

                if (cells.Count > 0 && cells.Any(c => c.Length > 0))
                {
                    bool header = row.ParentElement?.LocalName == "thead" || (allHeader && rows.Count == 0);
                    rows.Add((string.Join(" | ", cells), header));
                }
            }

            IElement? caption = table.QuerySelector("caption");
            if (caption is not null && caption.Closest("table") == table)
            {
                AddBlock(DocumentElementKind.Paragraph, BlockText(caption));
            }

            if (rows.Count == 0)
            {
                return;
            }

            // The header row goes first even when <thead> comes after rows in the source.
            int headerIndex = rows.FindIndex(r => r.Header);
            if (headerIndex > 0)
            {
                (string Line, bool Header) header = rows[headerIndex];
                rows.RemoveAt(headerIndex);
                rows.Insert(0, header);
            }

            int start = StartBlock();
            var ranges = new List<Range>(rows.Count);
            for (int i = 0; i < rows.Count; i++)
            {
                if (i > 0)
                {
                    Text.Append('\n');
                }

                ranges.Add(new Range(Text.Length, Text.Length + rows[i].Line.Length));
                Text.Append(rows[i].Line);
            }

            Elements.Add(new DocumentElement(DocumentElementKind.Table, start, Text.Length - start)
            {
                SectionPath = _sections.Current,
                Rows = ranges,
                HasHeaderRow = rows[0].Header,
            });
        }
    }
}
