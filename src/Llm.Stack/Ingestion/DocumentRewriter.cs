using System.Runtime.InteropServices;
using System.Text;

namespace Llm.Stack;

/// <summary>A replacement of [Start, Start + Length) of a text by <see cref="Replacement"/>.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct TextEdit(int Start, int Length, string Replacement);

/// <summary>Applies edits to a document's text and moves its elements' ranges to match.</summary>
internal static class DocumentRewriter
{
    /// <summary>Applies sorted, non-overlapping edits; returns <paramref name="document"/> itself when there are none.</summary>
    public static Document Apply(Document document, List<TextEdit> edits)
    {
        if (edits.Count == 0)
        {
            return document;
        }

        string text = document.Text;
        var builder = new StringBuilder(text.Length);
        var oldEnds = new int[edits.Count];
        var newStarts = new int[edits.Count];
        var newEnds = new int[edits.Count];
        int position = 0;
        for (int k = 0; k < edits.Count; k++)
        {
            TextEdit edit = edits[k];
            builder.Append(text, position, edit.Start - position);
            newStarts[k] = builder.Length;
            builder.Append(edit.Replacement);
            newEnds[k] = builder.Length;
            oldEnds[k] = edit.Start + edit.Length;
            position = oldEnds[k];
        }

        builder.Append(text, position, text.Length - position);

        int Map(int index, bool isEnd)
        {
            // The last edit that starts before index.
            int lo = 0;
            int hi = edits.Count - 1;
            int found = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (edits[mid].Start < index || (isEnd && edits[mid].Start == index && edits[mid].Length == 0))
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            if (found < 0)
            {
                return index;
            }

            if (index < oldEnds[found])
            {
                return isEnd ? newEnds[found] : newStarts[found];
            }

            return newEnds[found] + (index - oldEnds[found]);
        }

        var elements = new List<DocumentElement>(document.Elements.Count);
        foreach (DocumentElement element in document.Elements)
        {
            int start = Map(element.Start, isEnd: false);
            int end = Math.Max(start, Map(element.End, isEnd: true));
            var rows = new List<Range>(element.Rows.Count);
            foreach (Range row in element.Rows)
            {
                int rowStart = Map(row.Start.GetOffset(text.Length), isEnd: false);
                int rowEnd = Math.Max(rowStart, Map(row.End.GetOffset(text.Length), isEnd: true));
                rows.Add(rowStart..rowEnd);
            }

            elements.Add(new DocumentElement(element.Kind, start, end - start)
            {
                PageNumber = element.PageNumber,
                HeadingLevel = element.HeadingLevel,
                SectionPath = element.SectionPath,
                Rows = rows,
                HasHeaderRow = element.HasHeaderRow,
            });
        }

        return new Document(document.Id, builder.ToString())
        {
            Source = document.Source,
            MediaType = document.MediaType,
            Elements = elements,
            Metadata = new Dictionary<string, object?>(document.Metadata, StringComparer.Ordinal),
        };
    }
}
