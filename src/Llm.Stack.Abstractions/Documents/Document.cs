namespace Llm.Stack;

/// <summary>
/// A document read from a source: its full text, where it came from, and, when the reader knows it, its structure.
/// </summary>
/// <remarks>
/// A <see cref="Document"/> is built by an <see cref="IDocumentReader"/> and then only read. Its
/// <see cref="Metadata"/> dictionary is mutable so that transforms can annotate it before chunking; do not
/// mutate it while other threads read the document.
/// </remarks>
public sealed class Document
{
    /// <summary>Initializes a new instance of the <see cref="Document"/> class.</summary>
    /// <param name="id">The stable identifier of the document, unique within its source.</param>
    /// <param name="text">The full text of the document.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> or <paramref name="text"/> is <see langword="null"/>.</exception>
    public Document(string id, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(text);
        Id = id;
        Text = text;
    }

    /// <summary>Gets the stable identifier of the document, unique within its source.</summary>
    public string Id { get; }

    /// <summary>Gets the full text of the document.</summary>
    public string Text { get; }

    /// <summary>Gets the location the document was read from, when known.</summary>
    public Uri? Source { get; init; }

    /// <summary>Gets the media type of the original content.</summary>
    /// <value>The IANA media type, such as <c>text/markdown</c>. The default value is <c>text/plain</c>.</value>
    public string MediaType
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "text/plain";

    /// <summary>Gets the structural elements of <see cref="Text"/> (headings, paragraphs, tables, pages), in order.</summary>
    /// <value>An empty list when the reader knows no structure. The default value is an empty list.</value>
    /// <remarks>Each element's character range lies inside <see cref="Text"/>; elements do not overlap.</remarks>
    public IReadOnlyList<DocumentElement> Elements
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = [];

    /// <summary>Gets free-form metadata carried from the source to every chunk of the document.</summary>
    public IDictionary<string, object?> Metadata { get; init; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
