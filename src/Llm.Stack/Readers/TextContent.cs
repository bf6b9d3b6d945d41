using System.Text;

namespace Llm.Stack;

/// <summary>Decodes text content for the readers: byte-order marks, strict UTF-8, binary detection, line endings.</summary>
internal static class TextContent
{
    private const int BufferChars = 16 * 1024;

    /// <summary>Strict UTF-8 without a byte-order mark: invalid bytes throw instead of becoming U+FFFD.</summary>
    internal static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Creates a reader that detects UTF-8/16/32 byte-order marks and otherwise decodes with <paramref name="encoding"/>.</summary>
    internal static StreamReader CreateReader(Stream content, Encoding? encoding) =>
        new(content, encoding ?? StrictUtf8, detectEncodingFromByteOrderMarks: true, BufferChars, leaveOpen: true);

    /// <summary>
    /// Reads the whole content as text with line endings normalised to <c>\n</c>, incrementally (the stream is never
    /// buffered whole as bytes).
    /// </summary>
    /// <exception cref="InvalidDataException">The content is not valid in its encoding, or is binary.</exception>
    internal static async Task<string> ReadAllAsync(Stream content, Encoding? encoding, string documentId, CancellationToken cancellationToken)
    {
        using StreamReader reader = CreateReader(content, encoding);
        var text = new StringBuilder();
        char[] buffer = new char[BufferChars];
        bool pendingCr = false;
        while (true)
        {
            int read;
            try
            {
                read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            catch (DecoderFallbackException ex)
            {
                throw InvalidEncoding(documentId, reader.CurrentEncoding, ex);
            }

            if (read == 0)
            {
                break;
            }

            pendingCr = AppendNormalized(text, buffer.AsSpan(0, read), pendingCr, documentId);
        }

        if (pendingCr)
        {
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Appends <paramref name="chars"/> with CR LF and lone CR turned into LF; rejects binary content.</summary>
    /// <returns>Whether the chunk ended with a CR whose LF may follow in the next chunk.</returns>
    internal static bool AppendNormalized(StringBuilder text, ReadOnlySpan<char> chars, bool pendingCr, string documentId)
    {
        int i = 0;
        if (pendingCr)
        {
            text.Append('\n');
            if (chars.Length > 0 && chars[0] == '\n')
            {
                i = 1;
            }
        }

        int runStart = i;
        for (; i < chars.Length; i++)
        {
            char c = chars[i];
            if (c == '\r')
            {
                text.Append(chars[runStart..i]);
                if (i + 1 == chars.Length)
                {
                    return true;
                }

                text.Append('\n');
                if (chars[i + 1] == '\n')
                {
                    i++;
                }

                runStart = i + 1;
            }
            else if (c < ' ' && IsBinaryControl(c))
            {
                throw Binary(documentId, text.Length + (i - runStart));
            }
        }

        text.Append(chars[runStart..]);
        return false;
    }

    /// <summary>Whether a control character marks binary content: NUL and the C0 controls that text never uses.</summary>
    /// <remarks>Tab, line feed, vertical tab, form feed, carriage return and escape (ANSI colours in logs) are allowed.</remarks>
    internal static bool IsBinaryControl(char c) => c < ' ' && c is not ('\t' or '\n' or '\v' or '\f' or '\r' or '\u001B');

    internal static InvalidDataException InvalidEncoding(string documentId, Encoding encoding, Exception inner) =>
        new($"Document '{documentId}' is not valid {encoding.WebName} text: {inner.Message} " +
            "Convert it to UTF-8, or give the reader the file's encoding.", inner);

    internal static InvalidDataException Binary(string documentId, int offset) =>
        new($"Document '{documentId}' looks binary, not text: it contains a control character (such as NUL) near character {offset}.");

    /// <summary>Copies the context's metadata into a new dictionary for a document.</summary>
    internal static Dictionary<string, object?> NewMetadata(DocumentReadContext context)
    {
        var metadata = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (context.Metadata is { } source)
        {
            foreach (KeyValuePair<string, object?> pair in source)
            {
                metadata[pair.Key] = pair.Value;
            }
        }

        return metadata;
    }

    /// <summary>Whether the character is white space that separates blocks.</summary>
    internal static bool IsBlank(ReadOnlySpan<char> line) => line.IsWhiteSpace();
}
