namespace Llm.Stack;

/// <summary>E-mail addresses (anchored on <c>@</c>) and IPv6 addresses (anchored on <c>:</c>).</summary>
public sealed partial class PiiDetector
{
    private void ScanEmails(ReadOnlySpan<char> text, ref List<PiiMatch>? found)
    {
        int i = 0;
        while (i < text.Length)
        {
            int at = text[i..].IndexOf('@');
            if (at < 0)
            {
                return;
            }

            at += i;
            int start = at;
            while (start > 0 && IsLocalPartChar(text[start - 1]))
            {
                start--;
            }

            while (start < at && text[start] == '.')
            {
                start++;
            }

            // A word before the local part ("über@…") or a slash (the user of a URL, "//app@host") is not an address.
            int end = ScanDomain(text, at + 1);
            if (end > 0 && at - start is >= 1 and <= 64 && text[at - 1] != '.' && !text[start..at].Contains("..", StringComparison.Ordinal)
                && (start == 0 || !(IsWordChar(text[start - 1]) || text[start - 1] == '/')))
            {
                Add(ref found, PiiKind.Email, start, end);
                i = end;
            }
            else
            {
                i = at + 1;
            }
        }
    }

    private static bool IsLocalPartChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    /// <summary>The end of a domain name of two labels or more whose last label is letters only, starting at <paramref name="start"/>; 0 when there is none.</summary>
    private static int ScanDomain(ReadOnlySpan<char> text, int start)
    {
        int labels = 0;
        int pos = start;
        int end = 0;
        while (true)
        {
            int labelStart = pos;
            bool lettersOnly = true;
            while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] == '-'))
            {
                lettersOnly &= char.IsAsciiLetter(text[pos]);
                pos++;
            }

            int length = pos - labelStart;
            if (length is 0 or > 63 || text[labelStart] == '-' || text[pos - 1] == '-')
            {
                return 0;
            }

            labels++;
            if (labels >= 2 && lettersOnly && length >= 2)
            {
                end = pos;
            }

            if (pos + 1 < text.Length && text[pos] == '.' && char.IsAsciiLetterOrDigit(text[pos + 1]))
            {
                pos++;
                continue;
            }

            // The address must end at a word boundary and at its last valid label.
            return end == pos && (pos == text.Length || !IsWordChar(text[pos])) ? end : 0;
        }
    }

    private void ScanIPv6(ReadOnlySpan<char> text, ref List<PiiMatch>? found)
    {
        int i = 0;
        while (i < text.Length)
        {
            int colon = text[i..].IndexOf(':');
            if (colon < 0)
            {
                return;
            }

            colon += i;
            int start = colon;
            while (start > 0 && (char.IsAsciiHexDigit(text[start - 1]) || text[start - 1] == ':'))
            {
                start--;
            }

            int end = colon + 1;
            while (end < text.Length && (char.IsAsciiHexDigit(text[end]) || text[end] is ':' or '.'))
            {
                end++;
            }

            while (end > colon + 1 && text[end - 1] == '.')
            {
                end--;
            }

            if ((start == 0 || !IsWordChar(text[start - 1]) && text[start - 1] != '.')
                && (end == text.Length || !IsWordChar(text[end]))
                && IsIPv6(text[start..end]))
            {
                Add(ref found, PiiKind.IPAddress, start, end);
            }

            i = end;
        }
    }

    /// <summary>Whether <paramref name="s"/> is an IPv6 address (eight groups, or fewer with one <c>::</c>, optionally ending in dotted IPv4) holding a decimal digit.</summary>
    internal static bool IsIPv6(ReadOnlySpan<char> s)
    {
        if (s.Length < 3 || s.IndexOfAnyInRange('0', '9') < 0)
        {
            return false;
        }

        int compressed = s.IndexOf("::", StringComparison.Ordinal);
        if (compressed >= 0 && s[(compressed + 1)..].IndexOf("::", StringComparison.Ordinal) >= 0)
        {
            return false;
        }

        int groups = 0;
        int pos = 0;
        while (pos < s.Length)
        {
            if (pos == compressed)
            {
                pos += 2;
                continue;
            }

            int groupStart = pos;
            while (pos < s.Length && char.IsAsciiHexDigit(s[pos]))
            {
                pos++;
            }

            if (pos < s.Length && s[pos] == '.')
            {
                // A trailing dotted IPv4 address counts as two groups.
                if (!IsIPv4(s[groupStart..]))
                {
                    return false;
                }

                groups += 2;
                pos = s.Length;
                break;
            }

            int length = pos - groupStart;
            if (length is 0 or > 4)
            {
                return false;
            }

            groups++;
            if (pos < s.Length)
            {
                if (pos == compressed)
                {
                    continue;
                }

                // A single colon separates two groups; one may not end the address.
                if (s[pos] != ':' || pos + 1 == s.Length)
                {
                    return false;
                }

                pos++;
            }
        }

        return compressed >= 0 ? groups <= 7 : groups == 8;
    }

    /// <summary>Whether <paramref name="s"/> is exactly a dotted-quad IPv4 address without leading zeros.</summary>
    internal static bool IsIPv4(ReadOnlySpan<char> s)
    {
        int octets = 0;
        int pos = 0;
        while (true)
        {
            int start = pos;
            int value = 0;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]) && pos - start < 3)
            {
                value = (value * 10) + (s[pos] - '0');
                pos++;
            }

            int length = pos - start;
            if (length == 0 || value > 255 || (length > 1 && s[start] == '0'))
            {
                return false;
            }

            octets++;
            if (pos == s.Length)
            {
                return octets == 4;
            }

            if (s[pos] != '.' || octets == 4)
            {
                return false;
            }

            pos++;
        }
    }
}
