using System.Text;

namespace Llm.Stack.Documents;

/// <summary>Helpers shared by the PDF and DOCX readers.</summary>
internal static class DocumentText
{
    /// <summary>Returns a seekable stream over the content: the content itself when it can seek, otherwise a copy in memory.</summary>
    /// <remarks>The caller disposes the result only when it is not <paramref name="content"/>.</remarks>
    public static async Task<Stream> SeekableAsync(Stream content, CancellationToken cancellationToken)
    {
        if (content.CanSeek)
        {
            return content;
        }

        var copy = new MemoryStream();
        await content.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        copy.Position = 0;
        return copy;
    }

    /// <summary>Normalises line endings to <c>\n</c>, drops control characters other than tab and line feed, and trims trailing white space of lines.</summary>
    public static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
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

    /// <summary>Adds a <see cref="DocumentElementKind.Paragraph"/> element per blank-line separated block of <paramref name="text"/> in [start, end).</summary>
    public static void AddParagraphs(List<DocumentElement> elements, string text, int start, int end, int? pageNumber)
    {
        int position = start;
        while (position < end)
        {
            while (position < end && char.IsWhiteSpace(text[position]))
            {
                position++;
            }

            if (position >= end)
            {
                break;
            }

            int blockEnd = text.IndexOf("\n\n", position, end - position, StringComparison.Ordinal);
            blockEnd = blockEnd < 0 ? end : blockEnd;
            int trimmedEnd = blockEnd;
            while (trimmedEnd > position && char.IsWhiteSpace(text[trimmedEnd - 1]))
            {
                trimmedEnd--;
            }

            elements.Add(new DocumentElement(DocumentElementKind.Paragraph, position, trimmedEnd - position) { PageNumber = pageNumber });
            position = blockEnd;
        }
    }

    /// <summary>Copies the context's metadata into a new dictionary for a document.</summary>
    public static Dictionary<string, object?> NewMetadata(DocumentReadContext context)
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

    public static void SetIfAbsent(IDictionary<string, object?> metadata, string key, object? value)
    {
        if (value is not null && (value is not string s || !string.IsNullOrWhiteSpace(s)) && !metadata.ContainsKey(key))
        {
            metadata[key] = value is string text ? text.Trim() : value;
        }
    }
}
