namespace Llm.Stack;

/// <summary>
/// Text helpers for <see cref="IDocumentReader"/> implementations: the ones every Llm.Stack reader uses (Markdown,
/// HTML, text, CSV, JSON, PDF, DOCX), open to readers of other formats. Headings and section paths are tracked by
/// <see cref="SectionPathTracker"/>.
/// </summary>
/// <remarks>All members are thread-safe: they change only the arguments they are given.</remarks>
public static class ReaderText
{
    /// <summary>Creates the metadata of a document read in <paramref name="context"/>: a new dictionary holding a copy of the context's metadata.</summary>
    /// <param name="context">The read context.</param>
    /// <returns>A new dictionary with ordinal keys, which the reader may add to.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    public static Dictionary<string, object?> NewMetadata(DocumentReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
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

    /// <summary>Adds a metadata entry read from the content, unless the context already gave one or the value is blank.</summary>
    /// <param name="metadata">The document's metadata.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; text is trimmed; <see langword="null"/> or white space adds nothing.</param>
    /// <exception cref="ArgumentNullException"><paramref name="metadata"/> or <paramref name="key"/> is <see langword="null"/>.</exception>
    public static void SetIfAbsent(IDictionary<string, object?> metadata, string key, object? value)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(key);
        if (value is not null && (value is not string s || !string.IsNullOrWhiteSpace(s)) && !metadata.ContainsKey(key))
        {
            metadata[key] = value is string text ? text.Trim() : value;
        }
    }

    /// <summary>
    /// Cleans text extracted from a binary format: line endings become <c>\n</c>, control characters other than tab and
    /// line feed are dropped, trailing white space of each line is removed, and the whole is trimmed.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The cleaned text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new System.Text.StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    continue;
                }

                c = '\n';
            }

            if (c == '\n')
            {
                while (builder.Length > 0 && builder[^1] is ' ' or '\t')
                {
                    builder.Length--;
                }

                builder.Append('\n');
            }
            else if (c == '\t' || !char.IsControl(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }

    /// <summary>
    /// Adds one element of <paramref name="kind"/> per block of <paramref name="text"/> between <paramref name="start"/>
    /// and <paramref name="end"/>, blocks being separated by lines that are empty or white space; each element's range
    /// excludes the white space around the block.
    /// </summary>
    /// <param name="elements">The list to add to.</param>
    /// <param name="text">The document text.</param>
    /// <param name="start">The start of the range to split.</param>
    /// <param name="end">The end of the range to split (exclusive).</param>
    /// <param name="kind">The kind of the elements. The default is <see cref="DocumentElementKind.Paragraph"/>.</param>
    /// <param name="pageNumber">The page number of the elements, when the format has pages.</param>
    /// <exception cref="ArgumentNullException"><paramref name="elements"/> or <paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within <paramref name="text"/>.</exception>
    public static void AddParagraphs(List<DocumentElement> elements, string text, int start, int end, DocumentElementKind kind = DocumentElementKind.Paragraph, int? pageNumber = null)
    {
        ArgumentNullException.ThrowIfNull(elements);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, text.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        int blockStart = -1;
        int blockEnd = -1;
        int lineStart = start;
        while (lineStart < end)
        {
            int newline = text.IndexOf('\n', lineStart, end - lineStart);
            int lineEnd = newline < 0 ? end : newline;
            if (text.AsSpan(lineStart, lineEnd - lineStart).IsWhiteSpace())
            {
                Flush(elements, text, kind, pageNumber, ref blockStart, blockEnd);
            }
            else
            {
                if (blockStart < 0)
                {
                    blockStart = lineStart;
                }

                blockEnd = lineEnd;
            }

            lineStart = lineEnd + 1;
        }

        Flush(elements, text, kind, pageNumber, ref blockStart, blockEnd);
    }

    /// <summary>Returns a seekable stream over the content: the content itself when it can seek, otherwise a copy in memory.</summary>
    /// <param name="content">The content.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The stream; dispose it only when it is not <paramref name="content"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is <see langword="null"/>.</exception>
    public static async Task<Stream> SeekableAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek)
        {
            return content;
        }

        var copy = new MemoryStream();
        await content.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        copy.Position = 0;
        return copy;
    }

    private static void Flush(List<DocumentElement> elements, string text, DocumentElementKind kind, int? pageNumber, ref int blockStart, int blockEnd)
    {
        if (blockStart < 0)
        {
            return;
        }

        int s = blockStart;
        int e = blockEnd;
        while (s < e && char.IsWhiteSpace(text[s]))
        {
            s++;
        }

        while (e > s && char.IsWhiteSpace(text[e - 1]))
        {
            e--;
        }

        if (e > s)
        {
            elements.Add(new DocumentElement(kind, s, e - s) { PageNumber = pageNumber });
        }

        blockStart = -1;
    }
}
