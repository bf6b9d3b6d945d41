using System.Runtime.CompilerServices;
using System.Text;

namespace Llm.Stack;

/// <summary>
/// The pipeline's fallback reader for <c>text/plain</c> and <c>text/markdown</c> when no registered reader takes
/// them: strict UTF-8 (with or without BOM), rejecting binary content and invalid byte sequences.
/// </summary>
internal sealed class Utf8TextReader : IDocumentReader
{
    private static readonly UTF8Encoding _strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public IReadOnlyList<string> MediaTypes { get; } = ["text/plain", "text/markdown"];

    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<byte> bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        if (bytes.IndexOf((byte)0) >= 0)
        {
            throw new InvalidDataException($"'{context.DocumentId}' looks binary (it contains NUL bytes), not text.");
        }

        string text;
        try
        {
            text = _strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"'{context.DocumentId}' is not valid UTF-8 (at byte {e.Index}).", e);
        }

        var document = new Document(context.DocumentId, text)
        {
            Source = context.Source,
            MediaType = context.MediaType ?? "text/plain",
        };
        if (context.Metadata is not null)
        {
            foreach (KeyValuePair<string, object?> pair in context.Metadata)
            {
                document.Metadata[pair.Key] = pair.Value;
            }
        }

        yield return document;
    }
}
