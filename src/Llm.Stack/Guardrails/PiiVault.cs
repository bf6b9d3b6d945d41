using System.Text;

namespace Llm.Stack;

/// <summary>
/// The placeholders of one call: each distinct item of personal data in the input gets one (<c>[EMAIL_1]</c>,
/// <c>[PHONE_2]</c> …), and <see cref="Restore"/> puts the originals back in that call's answer. An instance belongs to
/// one call and is never shared, so that no caller's value can appear in another caller's answer.
/// </summary>
/// <remarks>
/// Placeholders are letters, an underscore and a number in square brackets: they cannot be read as the <c>[n]</c>
/// citation markers (digits only), and a number already present in the caller's text is skipped, so that the caller's
/// own text is never mistaken for a placeholder.
/// </remarks>
internal sealed class PiiVault
{
    private readonly Dictionary<string, string> _placeholderByValue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _valueByPlaceholder = new(StringComparer.Ordinal);
    private readonly int[] _next = new int[Enum.GetValues<PiiKind>().Length];
    private readonly Func<string, bool> _inUse;

    /// <summary>Initializes a new instance of the <see cref="PiiVault"/> class.</summary>
    /// <param name="inUse">Whether a candidate placeholder already occurs in the caller's text.</param>
    public PiiVault(Func<string, bool> inUse)
    {
        _inUse = inUse;
    }

    /// <summary>Gets the number of placeholders handed out.</summary>
    public int Count => _valueByPlaceholder.Count;

    /// <summary>Gets the placeholder of <paramref name="value"/>, handing out a new one the first time.</summary>
    public string Placeholder(PiiKind kind, string value)
    {
        if (_placeholderByValue.TryGetValue(value, out string? existing))
        {
            return existing;
        }

        string placeholder;
        do
        {
            placeholder = $"[{PiiLabels.Stem(kind)}_{++_next[(int)kind]}]";
        }
        while (_inUse(placeholder));

        _placeholderByValue.Add(value, placeholder);
        _valueByPlaceholder.Add(placeholder, value);
        return placeholder;
    }

    /// <summary>Replaces every placeholder of this call in <paramref name="text"/> by its original value.</summary>
    public string Restore(string text)
    {
        if (_valueByPlaceholder.Count == 0 || !text.Contains('[', StringComparison.Ordinal))
        {
            return text;
        }

        StringBuilder? restored = null;
        int copied = 0;
        int pos = 0;
        while ((pos = text.IndexOf('[', pos)) >= 0)
        {
            int close = PlaceholderEnd(text, pos);
            if (close > 0 && _valueByPlaceholder.TryGetValue(text[pos..close], out string? value))
            {
                restored ??= new StringBuilder(text.Length + 32);
                restored.Append(text, copied, pos - copied).Append(value);
                copied = pos = close;
            }
            else
            {
                pos++;
            }
        }

        return restored is null ? text : restored.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The index past the <c>]</c> of a placeholder-shaped group at <paramref name="start"/> (<c>[A-Z]+_[0-9]+]</c>); 0 when there is none.</summary>
    private static int PlaceholderEnd(string text, int start)
    {
        int pos = start + 1;
        while (pos < text.Length && char.IsAsciiLetterUpper(text[pos]))
        {
            pos++;
        }

        if (pos == start + 1 || pos >= text.Length || text[pos] != '_')
        {
            return 0;
        }

        int digits = ++pos;
        while (pos < text.Length && char.IsAsciiDigit(text[pos]))
        {
            pos++;
        }

        return pos > digits && pos < text.Length && text[pos] == ']' ? pos + 1 : 0;
    }
}
