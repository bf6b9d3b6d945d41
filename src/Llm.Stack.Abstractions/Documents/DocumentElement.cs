namespace Llm.Stack;

/// <summary>
/// A structural element of a <see cref="Document"/>: a range of its text with a kind and provenance.
/// </summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed record DocumentElement
{
    /// <summary>Initializes a new instance of the <see cref="DocumentElement"/> class.</summary>
    /// <param name="kind">The kind of element.</param>
    /// <param name="start">The index in <see cref="Document.Text"/> of the element's first character.</param>
    /// <param name="length">The number of characters of the element.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> or <paramref name="length"/> is negative.</exception>
    public DocumentElement(DocumentElementKind kind, int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Kind = kind;
        Start = start;
        Length = length;
    }

    /// <summary>Gets the kind of element.</summary>
    public DocumentElementKind Kind { get; }

    /// <summary>Gets the index in <see cref="Document.Text"/> of the element's first character.</summary>
    public int Start { get; }

    /// <summary>Gets the number of characters of the element.</summary>
    public int Length { get; }

    /// <summary>Gets the index just past the element's last character.</summary>
    public int End => Start + Length;

    /// <summary>Gets the 1-based page number the element starts on, when the source has pages.</summary>
    public int? PageNumber { get; init; }

    /// <summary>Gets the level (1 for the top level) of a heading; <see langword="null"/> for other kinds.</summary>
    public int? HeadingLevel { get; init; }

    /// <summary>Gets the titles of the headings that enclose the element, outermost first.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<string> SectionPath { get; init; } = [];

    /// <summary>
    /// Gets, for a <see cref="DocumentElementKind.Table"/>, the character ranges of its rows in
    /// <see cref="Document.Text"/>, the header row first when <see cref="HasHeaderRow"/> is <see langword="true"/>.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<Range> Rows { get; init; } = [];

    /// <summary>Gets a value indicating whether the first of <see cref="Rows"/> is a header row.</summary>
    public bool HasHeaderRow { get; init; }
}
