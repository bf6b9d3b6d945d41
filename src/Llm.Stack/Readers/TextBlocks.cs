namespace Llm.Stack;

/// <summary>Splits text into blank-line separated blocks.</summary>
internal static class TextBlocks
{
    /// <summary>
    /// Adds one element of <paramref name="kind"/> per blank-line separated block of <paramref name="text"/> between
    /// <paramref name="start"/> and <paramref name="end"/>; each element's range excludes the surrounding white space.
    /// </summary>
    internal static void AddParagraphs(List<DocumentElement> elements, string text, int start, int end, DocumentElementKind kind = DocumentElementKind.Paragraph)
    {
        int blockStart = -1;
        int blockEnd = -1;
        int lineStart = start;
        while (lineStart < end)
        {
            int newline = text.IndexOf('\n', lineStart, end - lineStart);
            int lineEnd = newline < 0 ? end : newline;
            ReadOnlySpan<char> line = text.AsSpan(lineStart, lineEnd - lineStart);
            if (line.IsWhiteSpace())
            {
                Flush(elements, text, kind, ref blockStart, blockEnd);
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

        Flush(elements, text, kind, ref blockStart, blockEnd);
    }

    private static void Flush(List<DocumentElement> elements, string text, DocumentElementKind kind, ref int blockStart, int blockEnd)
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
            elements.Add(new DocumentElement(kind, s, e - s));
        }

        blockStart = -1;
    }
}
