using System.Globalization;
using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Re-implementations of sacreBLEU's tokenizers (<c>tokenizer_13a.py</c> with <c>tokenizer_re.py</c>,
/// <c>tokenizer_intl.py</c>, <c>tokenizer_char.py</c>, <c>tokenizer_none.py</c>). Each regular-expression pass of
/// the original is a left-to-right scan with the same non-overlapping match semantics as Python's <c>re.sub</c>.
/// </summary>
internal static class BleuTokenizers
{
    /// <summary>Tokenizes one segment and appends its tokens (the final <c>str.split()</c> of sacreBLEU) to <paramref name="tokens"/>.</summary>
    public static void Tokenize(BleuTokenizer tokenizer, string line, List<string> tokens)
    {
        switch (tokenizer)
        {
            case BleuTokenizer.ThirteenA:
                PythonText.SplitWhiteSpace(ThirteenA(line), tokens);
                break;
            case BleuTokenizer.International:
                PythonText.SplitWhiteSpace(International(line), tokens);
                break;
            case BleuTokenizer.Character:
                Characters(line, tokens);
                break;
            default:
                PythonText.SplitWhiteSpace(line, tokens);
                break;
        }
    }

    /// <summary>sacreBLEU's <c>13a</c> tokenizer; returns the tokens separated by white space.</summary>
    public static string ThirteenA(string line)
    {
        // Language-independent part.
        line = line.Replace("<skipped>", string.Empty, StringComparison.Ordinal)
            .Replace("-\n", string.Empty, StringComparison.Ordinal)
            .Replace('\n', ' ');
        if (line.Contains('&', StringComparison.Ordinal))
        {
            line = line.Replace("&quot;", "\"", StringComparison.Ordinal)
                .Replace("&amp;", "&", StringComparison.Ordinal)
                .Replace("&lt;", "<", StringComparison.Ordinal)
                .Replace("&gt;", ">", StringComparison.Ordinal);
        }

        // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 " on " line ".
        var a = new StringBuilder(line.Length * 2 + 2);
        a.Append(' ');
        foreach (var c in line)
        {
            if (Is13aSymbol(c))
            {
                a.Append(' ').Append(c).Append(' ');
            }
            else
            {
                a.Append(c);
            }
        }

        a.Append(' ');
        var s = a.ToString();

        // ([^0-9])([\.,]) -> "\1 \2 "
        var b = new StringBuilder(s.Length + 16);
        for (var i = 0; i < s.Length; i++)
        {
            if (i + 1 < s.Length && !IsAsciiDigit(s[i]) && IsPeriodOrComma(s[i + 1]))
            {
                b.Append(s[i]).Append(' ').Append(s[i + 1]).Append(' ');
                i++;
            }
            else
            {
                b.Append(s[i]);
            }
        }

        s = b.ToString();

        // ([\.,])([^0-9]) -> " \1 \2"
        b.Clear();
        for (var i = 0; i < s.Length; i++)
        {
            if (i + 1 < s.Length && IsPeriodOrComma(s[i]) && !IsAsciiDigit(s[i + 1]))
            {
                b.Append(' ').Append(s[i]).Append(' ').Append(s[i + 1]);
                i++;
            }
            else
            {
                b.Append(s[i]);
            }
        }

        s = b.ToString();

        // ([0-9])(-) -> "\1 \2 "
        b.Clear();
        for (var i = 0; i < s.Length; i++)
        {
            if (i + 1 < s.Length && IsAsciiDigit(s[i]) && s[i + 1] == '-')
            {
                b.Append(s[i]).Append(" - ");
                i++;
            }
            else
            {
                b.Append(s[i]);
            }
        }

        return b.ToString();
    }

    /// <summary>sacreBLEU's <c>intl</c> tokenizer (over Unicode code points, as Python's <c>regex</c> module); returns the tokens separated by white space.</summary>
    public static string International(string line)
    {
        var runes = new List<Rune>(line.Length);
        foreach (var r in line.EnumerateRunes())
        {
            runes.Add(r);
        }

        // (\P{N})(\p{P}) -> "\1 \2 "
        var pass = new List<Rune>(runes.Count * 2);
        var space = new Rune(' ');
        for (var i = 0; i < runes.Count; i++)
        {
            if (i + 1 < runes.Count && !IsNumber(runes[i]) && IsPunctuation(runes[i + 1]))
            {
                pass.Add(runes[i]);
                pass.Add(space);
                pass.Add(runes[i + 1]);
                pass.Add(space);
                i++;
            }
            else
            {
                pass.Add(runes[i]);
            }
        }

        // (\p{P})(\P{N}) -> " \1 \2"
        runes = pass;
        pass = new List<Rune>(runes.Count * 2);
        for (var i = 0; i < runes.Count; i++)
        {
            if (i + 1 < runes.Count && IsPunctuation(runes[i]) && !IsNumber(runes[i + 1]))
            {
                pass.Add(space);
                pass.Add(runes[i]);
                pass.Add(space);
                pass.Add(runes[i + 1]);
                i++;
            }
            else
            {
                pass.Add(runes[i]);
            }
        }

        // (\p{S}) -> " \1 "
        var builder = new StringBuilder(pass.Count * 2);
        foreach (var r in pass)
        {
            if (IsSymbol(r))
            {
                builder.Append(' ');
                PythonText.Append(builder, r);
                builder.Append(' ');
            }
            else
            {
                PythonText.Append(builder, r);
            }
        }

        return builder.ToString();
    }

    /// <summary>sacreBLEU's <c>char</c> tokenizer followed by <c>str.split()</c>: every non-white-space code point is a token.</summary>
    public static void Characters(string line, List<string> tokens)
    {
        foreach (var r in line.EnumerateRunes())
        {
            if (!(r.IsBmp && PythonText.IsWhiteSpace((char)r.Value)))
            {
                tokens.Add(r.ToString());
            }
        }
    }

    private static bool Is13aSymbol(char c) =>
        (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';

    private static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';

    private static bool IsPeriodOrComma(char c) => c is '.' or ',';

    private static bool IsNumber(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static bool IsPunctuation(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
        or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
        or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    private static bool IsSymbol(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
        or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol;
}
