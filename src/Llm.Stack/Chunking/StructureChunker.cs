using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// Chunks a document along its structure (<see cref="Document.Elements"/>): chunks never cross a section, carry the
/// section path (in <see cref="DocumentChunk.SectionPath"/> and the <c>section</c> metadata entry), optionally start
/// with it as a heading prefix, split tables only between rows with the header row repeated, and keep code blocks
/// whole when they fit. Elements that do not fit are split like <see cref="RecursiveChunker"/> does; a document
/// without elements is chunked like <see cref="RecursiveChunker"/>.
/// </summary>
/// <remarks>
/// The heading prefix and a repeated header row are counted in <see cref="TextChunkerOptions.MaxTokens"/>; a chunk
/// with either has a text that is the prefix followed by the document's text in [Start, Start + Length). The chunker
/// is immutable and safe to use from several threads.
/// </remarks>
public sealed class StructureChunker : ITextChunker
{
    private static readonly string[] _separators = ["\n\n", "\n", ". ", "? ", "! ", "; ", " "];
    private readonly int _maxTokens;
    private readonly int _overlapTokens;
    private readonly bool _headingPrefix;
    private readonly bool _repeatHeader;

    /// <summary>Initializes a new instance of the <see cref="StructureChunker"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for 512 tokens of <c>cl100k_base</c>, no overlap, no heading prefix.</param>
    /// <exception cref="ArgumentException">The overlap is not less than the maximum.</exception>
    public StructureChunker(StructureChunkerOptions? options = null)
    {
        options ??= new StructureChunkerOptions();
        Tokenizer = options.Validate(nameof(options));
        _maxTokens = options.MaxTokens;
        _overlapTokens = options.OverlapTokens;
        _headingPrefix = options.IncludeHeadingPrefix;
        _repeatHeader = options.RepeatTableHeader;
    }

    /// <summary>Gets the tokenizer chunks are counted with.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Gets the maximum number of tokens of a chunk.</summary>
    public int MaxTokens => _maxTokens;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DocumentChunk>> ChunkAsync(Document document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();

        var engine = new ChunkingEngine(Tokenizer, document.Text, cancellationToken);
        var collector = new ChunkCollector(document);
        IReadOnlyList<DocumentElement> elements = document.Elements;
        var pieces = new List<TextPiece>();
        IReadOnlyList<string> section = [];
        int position = 0;

        foreach (DocumentElement element in elements)
        {
            int start = Math.Clamp(element.Start, position, document.Text.Length);
            int end = Math.Clamp(element.End, start, document.Text.Length);
            if (start > position)
            {
                // Text between elements stays in the current section.
                engine.SplitRecursive(position, start, _separators, 0, Budget(engine, section), pieces);
            }

            bool newSection = element.Kind == DocumentElementKind.Heading || !section.SequenceEqual(element.SectionPath, StringComparer.Ordinal);
            if (newSection)
            {
                Flush(engine, collector, pieces, section);
                section = element.SectionPath;
            }

            if (element.Kind == DocumentElementKind.Table && element.Rows.Count > 0 && !engine.TryFit(start, end, Budget(engine, section), out _))
            {
                Flush(engine, collector, pieces, section);
                EmitTable(engine, collector, element, start, end, section);
            }
            else
            {
                engine.SplitRecursive(start, end, _separators, 0, Budget(engine, section), pieces);
            }

            position = Math.Max(position, end);
        }

        if (position < document.Text.Length)
        {
            engine.SplitRecursive(position, document.Text.Length, _separators, 0, Budget(engine, section), pieces);
        }

        Flush(engine, collector, pieces, section);
        return new ValueTask<IReadOnlyList<DocumentChunk>>(collector.Chunks);
    }

    private string Prefix(ChunkingEngine engine, IReadOnlyList<string> section)
    {
        if (!_headingPrefix || section.Count == 0)
        {
            return string.Empty;
        }

        string prefix = string.Join(" > ", section) + "\n\n";
        return engine.Count(prefix) * 2 > _maxTokens ? string.Empty : prefix;
    }

    private int Budget(ChunkingEngine engine, IReadOnlyList<string> section) => _maxTokens - engine.Count(Prefix(engine, section));

    /// <summary>Merges the pending pieces of a section into chunks and emits them.</summary>
    private void Flush(ChunkingEngine engine, ChunkCollector collector, List<TextPiece> pieces, IReadOnlyList<string> section)
    {
        if (pieces.Count == 0)
        {
            return;
        }

        string prefix = Prefix(engine, section);
        var merged = new List<TextPiece>();
        engine.Merge(pieces, _maxTokens - engine.Count(prefix), Math.Min(_overlapTokens, Math.Max(0, _maxTokens - engine.Count(prefix) - 1)), merged);
        foreach (TextPiece piece in merged)
        {
            Emit(engine, collector, piece.Start, piece.End, prefix, section);
        }

        pieces.Clear();
    }

    /// <summary>Splits a table that does not fit between its rows, repeating the header row in every chunk but the first.</summary>
    private void EmitTable(ChunkingEngine engine, ChunkCollector collector, DocumentElement table, int start, int end, IReadOnlyList<string> section)
    {
        string text = engine.Text;
        string prefix = Prefix(engine, section);
        int firstRow = 0;
        string header = string.Empty;
        int headerStart = start;
        if (table.HasHeaderRow)
        {
            (int hs, int he) = Clamp(table.Rows[0], start, end, text.Length);
            string headerText = text[hs..he].Trim();
            firstRow = 1;
            headerStart = hs;
            if (_repeatHeader && engine.Count(prefix + headerText + "\n") * 2 <= _maxTokens)
            {
                header = headerText + "\n";
            }
        }

        int rowBudget = _maxTokens - engine.Count(prefix + header);
        var rows = new List<TextPiece>();
        int position = start;
        for (int r = firstRow; r < table.Rows.Count; r++)
        {
            (int rs, int re) = Clamp(table.Rows[r], position, end, text.Length);
            if (rs > position && r == firstRow && !table.HasHeaderRow)
            {
                rs = position;
            }

            engine.SplitRecursive(rs, re, _separators, 0, rowBudget, rows);
            position = Math.Max(position, re);
        }

        if (position < end)
        {
            engine.SplitRecursive(position, end, _separators, 0, rowBudget, rows);
        }

        var merged = new List<TextPiece>();
        engine.Merge(rows, rowBudget, 0, merged);
        for (int k = 0; k < merged.Count; k++)
        {
            if (k == 0 && table.HasHeaderRow)
            {
                // The first chunk holds the header row itself.
                Emit(engine, collector, engine.Trim(headerStart, merged[0].End).Start, merged[0].End, prefix, section);
            }
            else
            {
                Emit(engine, collector, merged[k].Start, merged[k].End, prefix + header, section);
            }
        }
    }

    /// <summary>Emits [start, end) with a prefix, re-splitting it with a smaller budget when the prefixed text does not fit.</summary>
    private void Emit(ChunkingEngine engine, ChunkCollector collector, int start, int end, string prefix, IReadOnlyList<string> section, int previousBudget = int.MaxValue)
    {
        (start, end) = engine.Trim(start, end);
        if (end <= start)
        {
            return;
        }

        string body = engine.Text[start..end];
        string text = prefix + body;
        int count = engine.Count(text);
        if (count <= _maxTokens)
        {
            collector.Add(start, end, text, count, section);
            return;
        }

        // Each retry has a strictly smaller budget, so this ends: at worst the prefix is dropped.
        int budget = Math.Min(previousBudget - 1, _maxTokens - engine.Count(prefix) - (count - _maxTokens));
        if (budget < 4)
        {
            // Too little room left for the body (a code point can take 4 tokens): drop the prefix.
            if (prefix.Length > 0)
            {
                Emit(engine, collector, start, end, string.Empty, section);
                return;
            }

            // Without a prefix, split the body to the full limit: SplitByTokens verifies every piece against it.
            budget = _maxTokens;
        }

        var smaller = new List<TextPiece>();
        engine.SplitByTokens(start, end, budget, 0, smaller);
        foreach (TextPiece piece in smaller)
        {
            Emit(engine, collector, piece.Start, piece.End, prefix, section, budget);
        }
    }

    private static (int Start, int End) Clamp(Range range, int floor, int ceiling, int length)
    {
        int s = Math.Clamp(range.Start.GetOffset(length), floor, ceiling);
        int e = Math.Clamp(range.End.GetOffset(length), s, ceiling);
        return (s, e);
    }
}
