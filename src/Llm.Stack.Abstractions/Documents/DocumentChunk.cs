namespace Llm.Stack;

/// <summary>
/// A piece of a <see cref="Document"/> sized for an embedder or a prompt, with its provenance.
/// </summary>
/// <remarks>
/// Chunks are produced by an <see cref="ITextChunker"/>. The <see cref="Metadata"/> dictionary may be
/// annotated by the pipeline before the chunk is stored; do not mutate it while other threads read the chunk.
/// </remarks>
public sealed class DocumentChunk
{
    /// <summary>Initializes a new instance of the <see cref="DocumentChunk"/> class.</summary>
    /// <param name="documentId">The identifier of the document the chunk comes from.</param>
    /// <param name="ordinal">The 0-based position of the chunk among the document's chunks.</param>
    /// <param name="text">The text of the chunk.</param>
    /// <exception cref="ArgumentException"><paramref name="documentId"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="documentId"/> or <paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ordinal"/> is negative.</exception>
    public DocumentChunk(string documentId, int ordinal, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(documentId);
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentNullException.ThrowIfNull(text);
        DocumentId = documentId;
        Ordinal = ordinal;
        Text = text;
    }

    /// <summary>Gets the identifier of the chunk.</summary>
    /// <value>The default value is <c>{DocumentId}#{Ordinal}</c>.</value>
    public string Id
    {
        get => field ??= string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{DocumentId}#{Ordinal}");
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    }

    /// <summary>Gets the identifier of the document the chunk comes from.</summary>
    public string DocumentId { get; }

    /// <summary>Gets the 0-based position of the chunk among the document's chunks.</summary>
    public int Ordinal { get; }

    /// <summary>Gets the text of the chunk (with a heading prefix when the chunker adds one).</summary>
    public string Text { get; }

    /// <summary>Gets the number of tokens in <see cref="Text"/> as counted by the chunker's tokenizer.</summary>
    public int TokenCount { get; init; }

    /// <summary>Gets the index in <see cref="Document.Text"/> of the first character the chunk covers.</summary>
    public int Start { get; init; }

    /// <summary>Gets the number of characters of <see cref="Document.Text"/> the chunk covers.</summary>
    public int Length { get; init; }

    /// <summary>Gets the 1-based page number the chunk starts on, when the source has pages.</summary>
    public int? PageNumber { get; init; }

    /// <summary>Gets the titles of the headings that enclose the chunk, outermost first.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<string> SectionPath { get; init; } = [];

    /// <summary>Gets free-form metadata: the document's metadata plus whatever the chunker and pipeline add.</summary>
    public IDictionary<string, object?> Metadata { get; init; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
