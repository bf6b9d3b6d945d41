using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Llm.Stack;

/// <summary>Chooses an <see cref="IDocumentReader"/> by media type, and reads content with the chosen one.</summary>
/// <remarks>
/// <para>
/// When several readers claim the same media type, the one listed last wins, so that a reader registered after the
/// built-in ones (in DI: a later <c>AddSingleton&lt;IDocumentReader, …&gt;</c>) replaces them. Media types compare
/// case-insensitively and without parameters (<c>text/html; charset=utf-8</c> is <c>text/html</c>).
/// </para>
/// <para>
/// As an <see cref="IDocumentReader"/> itself, the registry reads content whose
/// <see cref="DocumentReadContext.MediaType"/> is set, with the reader for that type.
/// </para>
/// <para>This type is immutable after construction and thread-safe.</para>
/// </remarks>
public sealed class DocumentReaderRegistry : IDocumentReader
{
    private readonly Dictionary<string, IDocumentReader> _readers = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="DocumentReaderRegistry"/> class.</summary>
    /// <param name="readers">The readers; for a media type claimed by several, the last one wins.</param>
    /// <exception cref="ArgumentNullException"><paramref name="readers"/> or one of its items is <see langword="null"/>.</exception>
    public DocumentReaderRegistry(IEnumerable<IDocumentReader> readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        foreach (IDocumentReader reader in readers)
        {
            ArgumentNullException.ThrowIfNull(reader, nameof(readers));
            foreach (string mediaType in reader.MediaTypes)
            {
                _readers[DocumentMediaTypes.Normalize(mediaType)] = reader;
            }
        }

        MediaTypes = [.. _readers.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Gets the media types that some registered reader understands, sorted.</summary>
    public IReadOnlyList<string> MediaTypes { get; }

    /// <summary>Gets the reader for a media type.</summary>
    /// <param name="mediaType">The media type, such as <c>text/markdown</c>.</param>
    /// <param name="reader">The reader, when there is one.</param>
    /// <returns><see langword="true"/> when a reader understands <paramref name="mediaType"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mediaType"/> is <see langword="null"/>.</exception>
    public bool TryGetReader(string mediaType, [NotNullWhen(true)] out IDocumentReader? reader)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        return _readers.TryGetValue(DocumentMediaTypes.Normalize(mediaType), out reader);
    }

    /// <summary>Gets the reader for a media type, or throws.</summary>
    /// <param name="mediaType">The media type, such as <c>text/markdown</c>.</param>
    /// <returns>The reader.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mediaType"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">No registered reader understands <paramref name="mediaType"/>.</exception>
    public IDocumentReader GetReader(string mediaType)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        return TryGetReader(mediaType, out IDocumentReader? reader)
            ? reader
            : throw new NotSupportedException(
                $"No document reader is registered for media type '{mediaType}'. Registered: {string.Join(", ", MediaTypes)}.");
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="context"/> has no <see cref="DocumentReadContext.MediaType"/>.</exception>
    /// <exception cref="NotSupportedException">No registered reader understands the media type.</exception>
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(context.MediaType))
        {
            throw new ArgumentException($"The media type of document '{context.DocumentId}' is needed to choose a reader.", nameof(context));
        }

        IDocumentReader reader = GetReader(context.MediaType);
        await foreach (Document document in reader.ReadAsync(content, context, cancellationToken).ConfigureAwait(false))
        {
            yield return document;
        }
    }
}
