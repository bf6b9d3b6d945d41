using System.Runtime.CompilerServices;
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
        string text = string.Empty;
        await foreach (string section in ReadSectionsAsync(content, encoding, documentId, metadata, int.MaxValue, FindParagraphCut, cancellationToken).ConfigureAwait(false))
        {
            text = section; // one section: the limit is never reached
        }

        return text;
    }

    /// <summary>
    /// Reads the content as <see cref="ReadAllAsync"/> does, but hands it on in sections of about
    /// <paramref name="sectionChars"/> characters, each cut where <paramref name="findCut"/> says, so that the whole
    /// text is never held; the sections joined are the text <see cref="ReadAllAsync"/> returns. At least one section
    /// (perhaps empty) is returned.
    /// </summary>
    /// <param name="content">The content.</param>
    /// <param name="encoding">The encoding; <see langword="null"/> to detect it.</param>
    /// <param name="documentId">The document's id, for messages.</param>
    /// <param name="metadata">Where the detected encoding is recorded; <see langword="null"/> for nowhere.</param>
    /// <param name="sectionChars">The wanted section size in characters.</param>
    /// <param name="findCut">Given the text read so far (at least <paramref name="sectionChars"/> characters) and <paramref name="sectionChars"/>, the length of the next section, or -1 to read on.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sections, in order.</returns>
    /// <exception cref="InvalidDataException">The content is not valid in its encoding, or is binary.</exception>
    /// <exception cref="EncodingFallbackException">
    /// Without <paramref name="encoding"/>, content that is not valid UTF-8 past the first section: sections already
    /// returned were decoded as UTF-8, so the caller must read again from the start with <see cref="Windows1252"/>.
    /// </exception>
    internal static async IAsyncEnumerable<string> ReadSectionsAsync(
        Stream content,
        Encoding? encoding,
        string documentId,
        IDictionary<string, object?>? metadata,
        int sectionChars,
        Func<string, int, int> findCut,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        if (encoding is not null)
        {
            using StreamReader reader = CreateReader(content, encoding);
            await foreach (string section in ReadWithAsync(reader, text, documentId, sectionChars, findCut, cancellationToken).ConfigureAwait(false))
            {
                yield return section;
            }

            yield break;
        }

        byte[] buffer = new byte[BufferChars];
        int length = await content.ReadAtLeastAsync(buffer.AsMemory(0, 4), 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<byte> head = buffer.AsSpan(0, length);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            // UTF-16 (or UTF-32) with a byte-order mark: the reader detects which.
            using StreamReader reader = CreateReader(new PrefixedStream(buffer, length, content), StrictUtf8);
            await foreach (string section in ReadWithAsync(reader, text, documentId, sectionChars, findCut, cancellationToken).ConfigureAwait(false))
            {
                metadata?.TryAdd(DocumentMetadataKeys.TextEncoding, reader.CurrentEncoding.WebName);
                yield return section;
            }

            yield break;
        }

        int start = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        char[] chars = new char[BufferChars + 4];
        bool pendingCr = false;
        bool cutAny = false;
        Decoder? fallback = null;
        Buffer.BlockCopy(buffer, start, buffer, 0, length - start);
        length -= start;
        while (true)
        {
            int read = await content.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            bool final = read == 0;
            length += read;
            DecodeBlock(final);
            while (TryCut(text, sectionChars, findCut) is string section)
            {
                cutAny = true;
                yield return section;
            }

            if (final)
            {
                break;
            }
        }

        if (pendingCr)
        {
            text.Append('\n');
        }

        metadata?.TryAdd(DocumentMetadataKeys.TextEncoding, fallback is null ? "utf-8" : Windows1252.WebName);
        if (text.Length > 0 || !cutAny)
        {
            yield return text.ToString();
        }

        // Decodes the bytes of the buffer into text (a synchronous step, as spans cannot cross an await).
        void DecodeBlock(bool final)
        {
            ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
            int consumed;
            int written;
            if (fallback is null)
            {
                System.Buffers.OperationStatus status = System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out consumed, out written, replaceInvalidSequences: false, isFinalBlock: final);
                pendingCr = AppendNormalized(text, chars.AsSpan(0, written), pendingCr, documentId);
                if (status != System.Buffers.OperationStatus.InvalidData)
                {
                    int carried = length - consumed; // an incomplete UTF-8 sequence, completed by the next read
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, carried);
                    length = carried;
                    return;
                }

                if (cutAny)
                {
                    throw new EncodingFallbackException();
                }

                // Not UTF-8: the text so far was, so its UTF-8 bytes are the file's; read everything again as Windows-1252.
                byte[] prior = Encoding.UTF8.GetBytes(text.ToString());
                text.Clear();
                fallback = Windows1252.GetDecoder();
                pendingCr = AppendNormalized(text, Windows1252.GetString(prior), false, documentId);
                bytes = bytes[consumed..];
            }

            written = fallback.GetChars(buffer, length - bytes.Length, bytes.Length, chars, 0, flush: final);
            pendingCr = AppendNormalized(text, chars.AsSpan(0, written), pendingCr, documentId);
            length = 0;
        }
    }

    /// <summary>The length of a plain-text section: up to its last blank line, else its last line break, in the second half of the window; else the window.</summary>
    internal static int FindParagraphCut(string text, int sectionChars)
    {
        int window = Math.Min(text.Length, sectionChars);
        int half = window / 2;
        int blank = text.LastIndexOf("\n\n", window - 1, window - half, StringComparison.Ordinal);
        if (blank >= half)
        {
            return blank + 2;
        }

        int line = text.LastIndexOf('\n', window - 1, window - half);
        if (line >= half)
        {
            return line + 1;
        }

        return char.IsHighSurrogate(text[window - 1]) ? window - 1 : window;
    }

    /// <summary>Cuts the next section off the front of <paramref name="text"/> when it holds at least <paramref name="sectionChars"/> characters and <paramref name="findCut"/> finds a place.</summary>
    private static string? TryCut(StringBuilder text, int sectionChars, Func<string, int, int> findCut)
    {
        if (text.Length < sectionChars)
        {
            return null;
        }

        string all = text.ToString();
        int cut = findCut(all, sectionChars);
        if (cut <= 0)
        {
            return null;
        }

        text.Clear();
        text.Append(all, cut, all.Length - cut);
        return all[..cut];
    }

    private static async IAsyncEnumerable<string> ReadWithAsync(
        StreamReader reader, StringBuilder text, string documentId, int sectionChars, Func<string, int, int> findCut, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        char[] buffer = new char[BufferChars];
        bool pendingCr = false;
        bool cutAny = false;
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
            while (TryCut(text, sectionChars, findCut) is string section)
            {
                cutAny = true;
                yield return section;
            }
        }

        if (pendingCr)
        {
            text.Append('\n');
        }

        if (text.Length > 0 || !cutAny)
        {
            yield return text.ToString();
        }
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
