namespace Llm.Stack;

/// <summary>
/// Tracks the headings enclosing the current position of a document as a reader walks it, and gives the
/// <see cref="DocumentElement.SectionPath"/> of each element: the titles of the enclosing headings, outermost first.
/// </summary>
/// <remarks>
/// <para>
/// The Markdown, HTML and DOCX readers use it, and a reader of another format can too: call <see cref="Enter"/> for
/// each heading (its return value is the heading element's own section path, its parents), and give every following
/// element <see cref="Current"/>. A heading closes every open heading of its level or deeper, so levels may skip
/// (an <c>h3</c> right under an <c>h1</c>) and go back up.
/// </para>
/// <example>
/// <code>
/// var sections = new SectionPathTracker();
/// elements.Add(new DocumentElement(DocumentElementKind.Heading, start, length) { HeadingLevel = 1, SectionPath = sections.Enter(1, "Guide") });
/// elements.Add(new DocumentElement(DocumentElementKind.Paragraph, start2, length2) { SectionPath = sections.Current }); // ["Guide"]
/// sections.Enter(2, "Install");   // Current: ["Guide", "Install"]
/// sections.Enter(2, "Configure"); // Current: ["Guide", "Configure"]
/// sections.Enter(1, "Reference"); // Current: ["Reference"]
/// </code>
/// </example>
/// <para>Not thread-safe: one instance per document being read.</para>
/// </remarks>
public sealed class SectionPathTracker
{
    private readonly List<(int Level, string Title)> _headings = [];

    /// <summary>Gets the section path of the elements that follow the last heading entered: the titles of the open headings, outermost first.</summary>
    /// <value>An immutable list, shared by the elements of one section; empty before the first heading.</value>
    public IReadOnlyList<string> Current { get; private set; } = [];

    /// <summary>Gets the title of the first level-1 heading entered, a document title when the format has none of its own.</summary>
    /// <value>The title; <see langword="null"/> until a level-1 heading with a title is entered.</value>
    public string? FirstTitle { get; private set; }

    /// <summary>Enters a heading: closes the open headings of its level or deeper, then opens it.</summary>
    /// <param name="level">The heading level, 1 for the outermost (<c>h1</c>, <c>#</c>, <c>Heading 1</c>).</param>
    /// <param name="title">The heading's title; white space around it is trimmed. An empty title closes headings but opens none.</param>
    /// <returns>The section path of the heading element itself: the titles of its enclosing headings.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="title"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<string> Enter(int level, string title)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        ArgumentNullException.ThrowIfNull(title);
        while (_headings.Count > 0 && _headings[^1].Level >= level)
        {
            _headings.RemoveAt(_headings.Count - 1);
        }

        IReadOnlyList<string> parents = _headings.ConvertAll(h => h.Title).ToArray();
        title = title.Trim();
        if (title.Length > 0)
        {
            _headings.Add((level, title));
            if (level == 1)
            {
                FirstTitle ??= title;
            }
        }

        Current = _headings.ConvertAll(h => h.Title).ToArray();
        return parents;
    }
}
