namespace Llm.Stack;

/// <summary>Turns ranges of a document into numbered <see cref="DocumentChunk"/>s with their provenance.</summary>
/// <remarks>One instance per <c>ChunkAsync</c> call; not thread-safe.</remarks>
internal sealed class ChunkCollector
{
    private readonly Document _document;
    private readonly List<DocumentChunk> _chunks = [];
    private readonly int[] _elementStarts;

    public ChunkCollector(Document document)
    {
        _document = document;
        IReadOnlyList<DocumentElement> elements = document.Elements;
        _elementStarts = new int[elements.Count];
        for (int i = 0; i < elements.Count; i++)
        {
            _elementStarts[i] = elements[i].Start;
        }
    }

    public IReadOnlyList<DocumentChunk> Chunks => _chunks;

    /// <summary>Adds a chunk whose text is exactly the document's text in [start, end).</summary>
    public void Add(int start, int end, int tokens) =>
        Add(start, end, _document.Text.Substring(start, end - start), tokens, sectionPath: null);

    /// <summary>Adds a chunk covering [start, end) whose text may carry a prefix (heading path, repeated table header).</summary>
    public void Add(int start, int end, string text, int tokens, IReadOnlyList<string>? sectionPath)
    {
        (int? page, IReadOnlyList<string> path) = Locate(start);
        var metadata = new Dictionary<string, object?>(_document.Metadata, StringComparer.Ordinal);
        IReadOnlyList<string> section = sectionPath ?? path;
        if (section.Count > 0)
        {
            metadata["section"] = string.Join(" > ", section);
        }

        _chunks.Add(new DocumentChunk(_document.Id, _chunks.Count, text)
        {
            Start = start,
            Length = end - start,
            TokenCount = tokens,
            PageNumber = page,
            SectionPath = section,
            Metadata = metadata,
        });
    }

    /// <summary>Finds the page and section path at a character index from the document's elements.</summary>
    public (int? Page, IReadOnlyList<string> SectionPath) Locate(int index)
    {
        IReadOnlyList<DocumentElement> elements = _document.Elements;
        if (elements.Count == 0)
        {
            return (null, []);
        }

        int i = Array.BinarySearch(_elementStarts, index);
        if (i < 0)
        {
            i = ~i - 1;
        }

        if (i < 0)
        {
            // Before the first element: take the first element's page, no section.
            return (elements[0].PageNumber, []);
        }

        int? page = null;
        for (int k = i; k >= 0 && page is null; k--)
        {
            page = elements[k].PageNumber;
        }

        return (page, elements[i].SectionPath);
    }
}
