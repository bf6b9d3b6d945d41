using System.Buffers;

namespace Llm.Stack;

/// <summary>
/// Where an item could start, read from the characters every item holds or follows (its anchors), without scanning:
/// lets the streaming output check let out text that cannot hold an item.
/// </summary>
/// <remarks>
/// The anchors, kind by kind (see the scanners): an e-mail address holds <c>@</c>; a number (phone, card, IBAN, SSN,
/// IPv4), an IPv6 address and a high-entropy token hold an ASCII digit; a JWT starts with <c>eyJ</c>, a PEM block with
/// <c>-----BEGIN</c>; a key with a well-known prefix holds a <c>-</c> or <c>_</c> within a token of 12 characters or
/// more, or starts with one of the prefixes that have neither (<c>AKIA</c>, <c>ASIA</c>, <c>AIza</c>); a value
/// assigned to a secret's field follows the field's name and a <c>:</c> or <c>=</c>, and a bearer token follows
/// <c>Bearer</c> and a space. Every item but a PEM block (which the caller treats on its own) and a number's later
/// groups is one run of characters other than white space, and a number's first group holds its first digit, so an
/// item that starts in a part ending next to white space has its anchor in the part, or, for an assigned value or a
/// bearer token, just before it.
/// </remarks>
public sealed partial class PiiDetector
{
    private const string BearerSpace = "Bearer ";

    private static readonly SearchValues<char> s_anchors = SearchValues.Create("0123456789@:=");

    private static readonly SearchValues<char> s_keyJoiners = SearchValues.Create("-_");

    /// <summary>
    /// The earliest position in [<paramref name="start"/>, <paramref name="end"/>) at which an item that a scan of
    /// <paramref name="text"/> (from its start or from any later point) reports could start; <paramref name="end"/>
    /// when none can. Conservative: a position is returned wherever an anchor is, whether or not an item is there.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="start">The start of the part.</param>
    /// <param name="end">The end of the part: the end of the text, or next to white space (<c>text[end - 1]</c> or <c>text[end]</c>), so that no run of other characters crosses it.</param>
    /// <returns>A position at or before the start of every item that starts in the part (and that does not start with <c>-----BEGIN</c> before <paramref name="start"/>).</returns>
    internal static int FirstPossibleStart(ReadOnlySpan<char> text, int start, int end)
    {
        // A value assigned just before the part may start at its start.
        if (FollowsAssignment(text, start))
        {
            return start;
        }

        // Each search only looks before the earliest anchor found so far.
        int first = end;
        int from = start;
        while (from < first)
        {
            int at = text[from..first].IndexOfAny(s_anchors);
            if (at < 0)
            {
                break;
            }

            at += from;
            if (text[at] is not (':' or '=') || FollowsAssignment(text, at + 1))
            {
                first = at;
                break;
            }

            // The rest of this run of separators leads back to the same name: skip it (a line of '=' stays linear).
            from = at + 1;
            while (from < first && text[from] is ' ' or '\t' or '"' or '\'' or '=' or '>' or ':')
            {
                from++;
            }
        }

        first = Earliest(text, start, first, "eyJ", StringComparison.Ordinal);
        first = Earliest(text, start, first, "-----BEGIN", StringComparison.Ordinal);
        foreach (string prefix in s_plainKeyPrefixes)
        {
            first = Earliest(text, start, first, prefix, StringComparison.Ordinal);
        }

        // "Bearer " may also end in the part, or just before it, with the token at its start.
        first = Earliest(text, Math.Max(0, start - BearerSpace.Length), first, BearerSpace, StringComparison.OrdinalIgnoreCase);

        // A '-' or '_' in a token long enough to be a key.
        from = start;
        while (from < first)
        {
            int at = text[from..first].IndexOfAny(s_keyJoiners);
            if (at < 0)
            {
                break;
            }

            at += from;
            int tokenStart = at;
            while (tokenStart > 0 && s_tokenChars.Contains(text[tokenStart - 1]))
            {
                tokenStart--;
            }

            int tokenEnd = text[at..].IndexOfAnyExcept(s_tokenChars);
            tokenEnd = tokenEnd < 0 ? text.Length : at + tokenEnd;
            if (tokenEnd - tokenStart >= MinimumKeyTokenLength)
            {
                first = at;
                break;
            }

            from = tokenEnd;
        }

        if (first >= end)
        {
            return end;
        }

        first = Math.Max(first, start);

        // The item holding the anchor starts at the latest at the anchor's run of characters other than white space.
        while (first > start && !char.IsWhiteSpace(text[first - 1]))
        {
            first--;
        }

        return first;
    }

    /// <summary>The position of the first <paramref name="value"/> that starts in [<paramref name="from"/>, <paramref name="first"/>), or <paramref name="first"/>.</summary>
    private static int Earliest(ReadOnlySpan<char> text, int from, int first, string value, StringComparison comparison)
    {
        int to = Math.Min(text.Length, first + value.Length - 1);
        if (to - from < value.Length)
        {
            return first;
        }

        int at = text[from..to].IndexOf(value, comparison);
        return at < 0 ? first : from + at;
    }

    /// <summary>
    /// Whether <paramref name="position"/> follows a field named like a secret's and a <c>:</c> or <c>=</c>, with any
    /// spaces, tabs, quotes, <c>=</c>, <c>&gt;</c> and <c>:</c> between (a superset of what <see cref="MatchAssignedSecret"/> reads).
    /// </summary>
    private static bool FollowsAssignment(ReadOnlySpan<char> text, int position)
    {
        bool assigned = false;
        int pos = position;
        while (pos > 0 && text[pos - 1] is ' ' or '\t' or '"' or '\'' or '=' or '>' or ':')
        {
            assigned |= text[pos - 1] is ':' or '=';
            pos--;
        }

        if (!assigned)
        {
            return false;
        }

        int nameStart = pos;
        while (nameStart > 0 && s_tokenChars.Contains(text[nameStart - 1]))
        {
            nameStart--;
        }

        return EndsWithSecretField(text[nameStart..pos]);
    }
}
