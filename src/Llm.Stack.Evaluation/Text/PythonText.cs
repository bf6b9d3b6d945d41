using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>String helpers that behave as Python 3's <c>str</c> methods do, so tokenization matches the reference libraries.</summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace()</c> for one UTF-16 unit: .NET's white space plus U+001C..U+001F.</summary>
    public static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c) || (c >= '\u001C' && c <= '\u001F');

    /// <summary>Python's <c>str.split()</c> with no argument, appending to <paramref name="tokens"/>.</summary>
    public static void SplitWhiteSpace(ReadOnlySpan<char> text, List<string> tokens)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                tokens.Add(text[start..i].ToString());
            }
        }
    }

    /// <summary>Python's <c>str.rstrip()</c> with no argument.</summary>
    public static ReadOnlySpan<char> TrimEnd(ReadOnlySpan<char> text)
    {
        var end = text.Length;
        while (end > 0 && IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }

    /// <summary>Appends the UTF-16 units of <paramref name="rune"/>.</summary>
    public static void Append(StringBuilder builder, Rune rune)
    {
        Span<char> buffer = stackalloc char[2];
        var written = rune.EncodeToUtf16(buffer);
        builder.Append(buffer[..written]);
    }
}
