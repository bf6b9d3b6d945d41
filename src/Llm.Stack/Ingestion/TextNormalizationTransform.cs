using System.Globalization;
using System.Text;

namespace Llm.Stack;

/// <summary>
/// Normalises a document's text: Unicode NFC, line breaks to <c>\n</c>, runs of spaces and tabs to one space, more
/// than one blank line to one, no white space at the start and end of lines or of the text, and no zero-width or
/// control characters. Indentation at the start of a line is kept (code stays readable).
/// </summary>
/// <remarks>Element ranges move with the text. Immutable and safe to use from several threads.</remarks>
public sealed class TextNormalizationTransform : IDocumentTransform
{
    /// <inheritdoc />
    public ValueTask<Document?> TransformAsync(Document document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();

        Document normalized = DocumentRewriter.Apply(document, NfcEdits(document.Text));
        normalized = DocumentRewriter.Apply(normalized, WhitespaceEdits(normalized.Text));
        return new ValueTask<Document?>(normalized);
    }

    private static List<TextEdit> NfcEdits(string text)
    {
        var edits = new List<TextEdit>();
        if (text.IsNormalized(NormalizationForm.FormC))
        {
            return edits;
        }

        // Normalise each text element (a base character and its combining marks) on its own, so that edits stay local.
        int[] starts = StringInfo.ParseCombiningCharacters(text);
        for (int k = 0; k < starts.Length; k++)
        {
            int start = starts[k];
            int end = k + 1 < starts.Length ? starts[k + 1] : text.Length;
            string element = text[start..end];
            if (!element.IsNormalized(NormalizationForm.FormC))
            {
                edits.Add(new TextEdit(start, end - start, element.Normalize(NormalizationForm.FormC)));
            }
        }

        return edits;
    }

    private static bool IsRemovable(char c) =>
        c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF' or '\u00AD' ||
        (char.IsControl(c) && c is not '\n' and not '\r' and not '\t');

    private static List<TextEdit> WhitespaceEdits(string text)
    {
        var edits = new List<TextEdit>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\u200D' && i > 0 && i + 1 < text.Length && !char.IsWhiteSpace(text[i - 1]) && char.IsSurrogate(text[i + 1]))
            {
                // A zero-width joiner inside an emoji sequence (🧑‍🚀) is part of the character: keep it.
                i++;
                continue;
            }

            if (IsRemovable(c))
            {
                int j = i;
                while (j < text.Length && IsRemovable(text[j]))
                {
                    j++;
                }

                edits.Add(new TextEdit(i, j - i, string.Empty));
                i = j;
                continue;
            }

            if (!char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            int end = i;
            int newlines = 0;
            int lastNewline = -1;
            while (end < text.Length && (char.IsWhiteSpace(text[end]) || IsRemovable(text[end])))
            {
                if (text[end] == '\n' || (text[end] == '\r' && (end + 1 >= text.Length || text[end + 1] != '\n')))
                {
                    newlines++;
                    lastNewline = end;
                }

                end++;
            }

            string replacement;
            if (i == 0 || end == text.Length)
            {
                replacement = string.Empty;
            }
            else if (newlines == 0)
            {
                replacement = " ";
            }
            else
            {
                string indent = new(text.AsSpan(lastNewline + 1, end - lastNewline - 1).ToArray().Where(ch => ch is ' ' or '\t').ToArray());
                replacement = (newlines == 1 ? "\n" : "\n\n") + indent;
            }

            if (!text.AsSpan(i, end - i).SequenceEqual(replacement))
            {
                edits.Add(new TextEdit(i, end - i, replacement));
            }

            i = end;
        }

        return edits;
    }
}
