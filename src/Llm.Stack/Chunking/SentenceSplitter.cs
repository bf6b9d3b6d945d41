namespace Llm.Stack;

/// <summary>
/// Finds sentence boundaries: after <c>.</c>, <c>!</c>, <c>?</c>, <c>…</c> (and closing quotes or brackets) followed
/// by white space and a sentence start; after CJK full stops; and at blank lines. A period does not end a sentence
/// after a known abbreviation (<c>Dr.</c>, <c>e.g.</c>), an initial (<c>J.</c>), a dotted acronym (<c>U.S.</c>),
/// inside a number (<c>3.14</c>), or when the next word starts in lower case (<c>... and so on</c>).
/// </summary>
/// <remarks>Immutable and safe to use from several threads.</remarks>
internal sealed class SentenceSplitter
{
    internal static readonly string[] DefaultAbbreviations =
    [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "rev", "gen", "col", "capt", "lt", "sgt", "hon",
        "vs", "e.g", "i.e", "cf", "al", "approx", "fig", "figs", "eq", "no", "nos", "vol", "pp", "ch", "sec",
        "inc", "ltd", "co", "corp", "dept", "univ", "est", "u.s", "u.k", "u.n", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ca", "resp", "viz", "elev", "pop", "sq", "km", "ft",
    ];

    private readonly HashSet<string> _abbreviations;

    public SentenceSplitter(IEnumerable<string>? abbreviations = null)
    {
        _abbreviations = new HashSet<string>(abbreviations ?? DefaultAbbreviations, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Splits [start, end) of <paramref name="text"/> into contiguous sentence ranges (each with its trailing white space).</summary>
    public void Split(string text, int start, int end, List<(int Start, int End)> output)
    {
        int sentenceStart = start;
        int i = start;
        while (i < end)
        {
            char c = text[i];
            int boundary = -1;
            if (c is '\n')
            {
                // A blank line ends a sentence whatever precedes it.
                int p = i + 1;
                if (p < end && text[p] == '\r')
                {
                    p++;
                }

                if (p < end && text[p] == '\n')
                {
                    boundary = p + 1;
                }
            }
            else if (c is '。' or '！' or '？')
            {
                boundary = SkipClosers(text, i + 1, end);
            }
            else if (c is '.' or '!' or '?' or '…')
            {
                int afterPunct = i + 1;
                while (afterPunct < end && text[afterPunct] is '.' or '!' or '?' or '…')
                {
                    afterPunct++;
                }

                int afterClosers = SkipClosers(text, afterPunct, end);
                if (afterClosers >= end)
                {
                    boundary = end;
                }
                else if (char.IsWhiteSpace(text[afterClosers]) && IsSentenceEnd(text, sentenceStart, i, afterPunct, afterClosers, end))
                {
                    boundary = afterClosers;
                }

                if (boundary < 0)
                {
                    i = afterClosers > i ? afterClosers : i + 1;
                    continue;
                }
            }

            if (boundary > 0)
            {
                // Keep the white space after the boundary with the sentence that ends there.
                while (boundary < end && char.IsWhiteSpace(text[boundary]))
                {
                    boundary++;
                }

                output.Add((sentenceStart, boundary));
                sentenceStart = boundary;
                i = boundary;
                continue;
            }

            i++;
        }

        if (sentenceStart < end)
        {
            output.Add((sentenceStart, end));
        }
    }

    private bool IsSentenceEnd(string text, int sentenceStart, int punct, int afterPunct, int afterClosers, int end)
    {
        // The next non-space character: a lower-case letter or a digit continues the sentence.
        int next = afterClosers;
        while (next < end && char.IsWhiteSpace(text[next]))
        {
            next++;
        }

        if (next < end && (char.IsLower(text[next]) || text[next] is ',' or ';' or ':'))
        {
            return false;
        }

        if (next < end && char.IsDigit(text[next]) && text[punct] == '.' && IsInsideParentheses(text, sentenceStart, punct))
        {
            return false; // "(elev. 1,666 m)": a period inside an open parenthesis followed by a number.
        }

        if (text[punct] != '.' || afterPunct - punct > 1)
        {
            // '!', '?', '…' and runs such as "..." or "?!" end a sentence when the next word starts one.
            return true;
        }

        // The word before the period.
        int wordStart = punct;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(text[wordStart - 1]) && text[wordStart - 1] is not '(' and not '"' and not '“' and not '\'')
        {
            wordStart--;
        }

        ReadOnlySpan<char> word = text.AsSpan(wordStart, punct - wordStart);
        if (word.Length == 0)
        {
            return true;
        }

        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return false; // An initial: "J. Smith".
        }

        if (IsDottedAcronym(word))
        {
            return false; // "U.S.", "e.g." written without the set.
        }

        return !_abbreviations.GetAlternateLookup<ReadOnlySpan<char>>().Contains(word);
    }

    private static bool IsInsideParentheses(string text, int start, int index)
    {
        int depth = 0;
        for (int k = start; k < index; k++)
        {
            depth += text[k] switch { '(' => 1, ')' => depth > 0 ? -1 : 0, _ => 0 };
        }

        return depth > 0;
    }

    private static bool IsDottedAcronym(ReadOnlySpan<char> word)
    {
        // Letters separated by single periods: "U.S", "e.g", "a.m".
        if (word.Length < 3)
        {
            return false;
        }

        for (int k = 0; k < word.Length; k++)
        {
            bool letterPosition = k % 2 == 0;
            if (letterPosition ? !char.IsLetter(word[k]) : word[k] != '.')
            {
                return false;
            }
        }

        return word.Length % 2 == 1;
    }

    private static int SkipClosers(string text, int index, int end)
    {
        while (index < end && text[index] is '"' or '\'' or '”' or '’' or ')' or ']' or '»' or '」' or '』')
        {
            index++;
        }

        return index;
    }
}
