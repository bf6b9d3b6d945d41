using System.Text;

namespace Llm.Stack;

/// <summary>Decodes text content for the core readers (the shared reader helpers are in <see cref="ReaderText"/>): byte-order marks, UTF-8 with a Windows-1252 fallback, binary detection, line endings.</summary>
internal static class TextDecoding
{
    private const int BufferChars = 16 * 1024;

    /// <summary>Strict UTF-8 without a byte-order mark: invalid bytes throw instead of becoming U+FFFD.</summary>
    internal static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The fallback for text that is not valid UTF-8: Windows-1252, which decodes every byte.</summary>
    internal static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    /// <summary>Creates a reader that detects UTF-8/16/32 byte-order marks and otherwise decodes with <paramref name="encoding"/>.</summary>
    internal static StreamReader CreateReader(Stream content, Encoding? encoding) =>
        new(content, encoding ?? StrictUtf8, detectEncodingFromByteOrderMarks: true, BufferChars, leaveOpen: true);

    /// <summary>
    /// Reads the whole content as text with line endings normalised to <c>\n</c>, incrementally (the stream is never
    /// buffered whole as bytes). With no <paramref name="encoding"/>: a byte-order mark (UTF-8, UTF-16) decides; without
    /// one the content is read as UTF-8, and when it is not valid UTF-8, as Windows-1252 (a superset of Latin-1's
    /// printable characters), the fallback recorded in <paramref name="metadata"/> under <see cref="DocumentMetadataKeys.TextEncoding"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The content is not valid in its encoding, or is binary.</exception>
    internal static async Task<string> ReadAllAsync(Stream content, Encoding? encoding, string documentId, IDictionary<string, object?>? metadata, CancellationToken cancellationToken)
    {
        if (encoding is not null)
        {
            using StreamReader reader = CreateReader(content, encoding);
            return await ReadWithAsync(reader, documentId, cancellationToken).ConfigureAwait(false);
        }

        byte[] buffer = new byte[BufferChars];
        int length = await content.ReadAtLeastAsync(buffer.AsMemory(0, 4), 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<byte> head = buffer.AsSpan(0, length);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            // UTF-16 (or UTF-32) with a byte-order mark: the reader detects which.
            using StreamReader reader = CreateReader(new PrefixedStream(buffer, length, content), StrictUtf8);
            string decoded = await ReadWithAsync(reader, documentId, cancellationToken).ConfigureAwait(false);
            metadata?.TryAdd(DocumentMetadataKeys.TextEncoding, reader.CurrentEncoding.WebName);
            return decoded;
        }

        int start = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var text = new StringBuilder();
        char[] chars = new char[BufferChars + 4];
        bool pendingCr = false;
        Decoder? fallback = null;
        Buffer.BlockCopy(buffer, start, buffer, 0, length - start);
        length -= start;
        while (true)
        {
            int read = await content.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            bool final = read == 0;
            length += read;

            ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
            int consumed;
            int written;
            if (fallback is null)
            {
                System.Buffers.OperationStatus status = System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out consumed, out written, replaceInvalidSequences: false, isFinalBlock: final);
                if (status == System.Buffers.OperationStatus.InvalidData)
                {
                    // Not UTF-8: the text so far was, so its UTF-8 bytes are the file's; read everything again as Windows-1252.
                    pendingCr = AppendNormalized(text, chars.AsSpan(0, written), pendingCr, documentId);
                    byte[] prior = Encoding.UTF8.GetBytes(text.ToString());
                    text.Clear();
                    fallback = Windows1252.GetDecoder();
                    pendingCr = AppendNormalized(text, Windows1252.GetString(prior), false, documentId);
                    bytes = bytes[consumed..];
                    metadata?.TryAdd(DocumentMetadataKeys.TextEncoding, Windows1252.WebName);
                }
            }
            else
            {
                consumed = 0;
                written = 0;
            }

            if (fallback is not null)
            {
                int offset = length - bytes.Length;
                written = fallback.GetChars(buffer, offset, bytes.Length, chars, 0, flush: final);
                consumed = length;
                pendingCr = AppendNormalized(text, chars.AsSpan(0, written), pendingCr, documentId);
            }
            else
            {
                pendingCr = AppendNormalized(text, chars.AsSpan(0, written), pendingCr, documentId);
            }

            int carried = length - consumed; // an incomplete UTF-8 sequence, completed by the next read
            Buffer.BlockCopy(buffer, consumed, buffer, 0, carried);
            length = carried;
            if (final)
            {
                break;
            }
        }

        if (pendingCr)
        {
            text.Append('\n');
        }

        metadata?.TryAdd(DocumentMetadataKeys.TextEncoding, "utf-8");
        return text.ToString();
    }

    private static async Task<string> ReadWithAsync(StreamReader reader, string documentId, CancellationToken cancellationToken)
    {
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
}
