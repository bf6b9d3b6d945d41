namespace Llm.Stack;

/// <summary>
/// One item of an ingestion source: either content to open and read with an <see cref="IDocumentReader"/>, or a
/// document already read. Opening and reading happen inside the pipeline, so that an item that cannot be read is
/// reported as failed while the others are ingested.
/// </summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class IngestionItem
{
    private readonly Func<CancellationToken, Task<Stream>>? _openAsync;
    private readonly Document? _document;

    /// <summary>Initializes a new instance of the <see cref="IngestionItem"/> class for content to read.</summary>
    /// <param name="id">The stable identifier of the item (for files, the path relative to the source root).</param>
    /// <param name="openAsync">Opens the content; the pipeline disposes the stream.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="openAsync"/> is <see langword="null"/>.</exception>
    public IngestionItem(string id, Func<CancellationToken, Task<Stream>> openAsync)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(openAsync);
        Id = id;
        _openAsync = openAsync;
    }

    private IngestionItem(Document document)
    {
        Id = document.Id;
        Source = document.Source;
        MediaType = document.MediaType;
        _document = document;
    }

    /// <summary>Gets the stable identifier of the item.</summary>
    public string Id { get; }

    /// <summary>Gets the location of the content, when known.</summary>
    public Uri? Source { get; init; }

    /// <summary>Gets the media type of the content, which chooses the reader.</summary>
    /// <value>The IANA media type; <see langword="null"/> for <c>text/plain</c>. The default value is <see langword="null"/>.</value>
    public string? MediaType { get; init; }

    /// <summary>Gets a hash of the item's content given by the source (such as a file's SHA-256), when it has one.</summary>
    /// <value>
    /// The hash; when it equals the hash recorded at the item's last successful ingestion, the item is reported
    /// unchanged without being read. <see langword="null"/> to always read the item. The default value is <see langword="null"/>.
    /// </value>
    public string? ContentHash { get; init; }

    /// <summary>Gets metadata copied onto every document read from the item.</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }

    /// <summary>Creates an item for a document already read.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The item, with the document's identifier, source and media type.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is <see langword="null"/>.</exception>
    public static IngestionItem FromDocument(Document document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new IngestionItem(document);
    }

    /// <summary>Gets the document when the item was created from one.</summary>
    internal Document? Document => _document;

    /// <summary>Opens the content.</summary>
    internal Task<Stream> OpenAsync(CancellationToken cancellationToken) =>
        _openAsync is null ? throw new InvalidOperationException("The item holds a document.") : _openAsync(cancellationToken);
}
