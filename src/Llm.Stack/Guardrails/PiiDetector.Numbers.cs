namespace Llm.Stack;

/// <summary>
/// Numbers: a run of digit groups (separated by one space, hyphen, dot or slash, or by parentheses) is read once and
/// classified as an IBAN, a payment card, a social security number, an IPv4 address or a phone number, in that order.
/// </summary>
public sealed partial class PiiDetector
{
    private const int MaxGroups = 16;

    private static readonly string[] s_phoneWords =
    [
        "tel", "phone", "call", "mobile", "cell", "fax", "whatsapp", "sms", "hotline", "dial", "my number",
        "handy", "rufnummer", "mobil", "ruf ", "anruf", "meine nummer",
        "tél", "portable", "appel", "mon numéro", "mon numero",
        "teléfono", "telefono", "móvil", "movil", "llam", "mi número", "mi numero",
        "komórk", "kom.", "dzwo", "zadzwo", "mój numer", "moj numer",
    ];

    private static readonly string[] s_notPhoneWords =
    [
        "isbn", "issn", "order", "invoice", "ref", "tracking", "ticket", "sku", "serial", "case", "account", "customer", "client", "po ",
        "bestell", "rechnung", "auftrag", "kunden", "commande", "facture", "pedido", "factura", "zamówien", "faktur", "#",
    ];

    private static readonly string[] s_isbnWords = ["isbn"];

    private static readonly string[] s_ssnWords = ["ssn", "social security", "ss#", "soc. sec", "soc sec"];

    private static readonly string[] s_versionWords = ["version", "versión", "wersj", "release", "build", "firmware", "ver.", "ver ", "patch", "update"];

    /// <summary>The IBAN length of each country, from the SWIFT registry, as two letters and two digits each.</summary>
    private const string IbanLengthTable =
        "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27DK18DO28EE20EG29ES24FI18FK18FO18FR27" +
        "GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19" +
        "MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28PS29PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28TL23" +
        "TN24TR26UA29VA22VG24XK20YE30";

    private static readonly byte[] s_ibanLengths = CreateIbanLengths();

    private static byte[] CreateIbanLengths()
    {
        var lengths = new byte[26 * 26];
        for (int i = 0; i < IbanLengthTable.Length; i += 4)
        {
            lengths[((IbanLengthTable[i] - 'A') * 26) + (IbanLengthTable[i + 1] - 'A')] = (byte)(((IbanLengthTable[i + 2] - '0') * 10) + (IbanLengthTable[i + 3] - '0'));
        }

        return lengths;
    }

    private void ScanNumbers(ReadOnlySpan<char> text, ref List<PiiMatch>? found)
    {
        int i = 0;
        while (i < text.Length)
        {
            int digit = text[i..].IndexOfAny(s_asciiDigits);
            if (digit < 0)
            {
                return;
            }

            i = ScanNumber(text, i + digit, ref found);
        }
    }

    /// <summary>Reads the number that starts at <paramref name="start"/> and returns where the scan goes on.</summary>
    private int ScanNumber(ReadOnlySpan<char> text, int start, ref List<PiiMatch>? found)
    {
        // An IBAN: two letters of a known country (in either case: "de89 3704 …" is typed too), then its check digits.
        if (start >= 2 && char.IsAsciiLetter(text[start - 2]) && char.IsAsciiLetter(text[start - 1])
            && (start == 2 || !IsWordChar(text[start - 3])))
        {
            int ibanEnd = MatchIban(text, start - 2);
            if (ibanEnd > 0)
            {
                Add(ref found, PiiKind.Iban, start - 2, ibanEnd);
                return ibanEnd;
            }

            if (ibanEnd < 0)
            {
                // The length of an IBAN of that country but a wrong check: its groups are not phone numbers either.
                return -ibanEnd;
            }
        }

        char before = start > 0 ? text[start - 1] : ' ';
        if (IsWordChar(before) || (before is '.' or ',' or '-' or '/' or '\'' && start >= 2 && IsWordChar(text[start - 2])))
        {
            // Inside a word, an identifier, a decimal or a version string.
            return SkipWord(text, start);
        }

        Span<byte> lengths = stackalloc byte[MaxGroups];
        Span<int> ends = stackalloc int[MaxGroups];
        Span<char> separators = stackalloc char[MaxGroups];
        int groups = 0;
        int pos = start;
        while (true)
        {
            int groupStart = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                pos++;
            }

            lengths[groups] = (byte)Math.Min(pos - groupStart, 255);
            ends[groups] = pos;
            groups++;
            int next = ReadSeparator(text, pos, out char separator);
            if (groups == MaxGroups || next < 0)
            {
                break;
            }

            separators[groups - 1] = separator;
            pos = next;
        }

        int end = ends[groups - 1];
        if (end < text.Length && (IsWordChar(text[end]) || (text[end] is ',' or '.' && end + 1 < text.Length && char.IsAsciiDigit(text[end + 1]))))
        {
            // Glued to letters ("12kg", "4111…abc") or an amount with a thousands or decimal mark the groups did not take.
            return SkipWord(text, end);
        }

        bool plus = before == '+';
        bool paren = before == '(' && groups > 1 && separators[0] == ')';
        for (int count = groups; count >= 1; count--)
        {
            // A shorter reading must end where the next group is only separated by white space (or a CIDR slash).
            char after = count < groups ? separators[count - 1] : ' ';
            if (after is not (' ' or '/'))
            {
                continue;
            }

            PiiKind? kind = Classify(text, start, lengths[..count], ends[..count], separators[..(count - 1)], plus, paren, after);
            if (kind is PiiKind k)
            {
                int matchStart = (plus || paren) && k == PiiKind.Phone ? start - 1 : start;
                Add(ref found, k, matchStart, ends[count - 1]);
                return ends[count - 1];
            }
        }

        // Nothing here: a number after the first space may still start one ("room 12 555-123-4567").
        return groups > 1 && separators[0] == ' ' ? ends[0] : end;
    }

    private static int SkipWord(ReadOnlySpan<char> text, int pos)
    {
        while (pos < text.Length && (IsWordChar(text[pos]) || text[pos] is '.' or ',' or '-' or '/' or ':') && !(text[pos] is '.' or ',' or ':' && (pos + 1 == text.Length || char.IsWhiteSpace(text[pos + 1]))))
        {
            pos++;
        }

        return pos;
    }

    /// <summary>
    /// Reads the separator after a digit group at <paramref name="pos"/>: one space, hyphen, dot or slash, or a
    /// parenthesis (<c>) </c>, <c> (</c>), that a digit follows. Returns where the next group starts, or -1.
    /// </summary>
    private static int ReadSeparator(ReadOnlySpan<char> text, int pos, out char separator)
    {
        separator = '\0';
        if (pos >= text.Length)
        {
            return -1;
        }

        char c = text[pos] == '\u00A0' ? ' ' : text[pos];
        int next = pos + 1;
        if (c == ')')
        {
            separator = ')';
            if (next < text.Length && text[next] is ' ' or '-' or '\u00A0')
            {
                next++;
            }
        }
        else if (c == ' ' && next < text.Length && text[next] == '(')
        {
            separator = '(';
            next++;
        }
        else if (c == '(')
        {
            separator = '(';
        }
        else if (c is ' ' or '-' or '.' or '/')
        {
            separator = c;
        }
        else
        {
            return -1;
        }

        return next < text.Length && char.IsAsciiDigit(text[next]) ? next : -1;
    }

    private static PiiKind? Classify(ReadOnlySpan<char> text, int start, ReadOnlySpan<byte> groups, ReadOnlySpan<int> ends, ReadOnlySpan<char> separators, bool plus, bool paren, char after)
    {
        int end = ends[^1];
        int digits = 0;
        foreach (byte length in groups)
        {
            digits += length;
        }

        if (plus)
        {
            return after == ' ' && IsPhone(text, start, groups, separators, digits, plus, paren: false) ? PiiKind.Phone : null;
        }

        if (paren && after == ' ' && IsPhone(text, start, groups, separators, digits, plus: false, paren: true))
        {
            // "(555) 123-4567"; any other number in parentheses is read as if they were not there: "(4111 1111 1111 1111)".
            return PiiKind.Phone;
        }

        if (IsIPv4(text[start..end]) && !HasKeywordBefore(text, start, 10, s_versionWords))
        {
            return PiiKind.IPAddress;
        }

        if (after != ' ')
        {
            return null;
        }

        if (IsPaymentCard(text[start..end], groups, separators, digits) && !HasKeywordBefore(text, start, 16, s_isbnWords))
        {
            return PiiKind.PaymentCard;
        }

        if (IsSsnShape(groups, separators) && IsValidSsn(text[start..end])
            && ((groups.Length == 3 && separators[0] == '-') || HasKeywordBefore(text, start, 32, s_ssnWords)))
        {
            return PiiKind.UsSsn;
        }

        return IsPhone(text, start, groups, separators, digits, plus: false, paren: false) ? PiiKind.Phone : null;
    }

    private static bool IsSsnShape(ReadOnlySpan<byte> groups, ReadOnlySpan<char> separators) =>
        (groups.Length == 1 && groups[0] == 9)
        || (groups.Length == 3 && groups[0] == 3 && groups[1] == 2 && groups[2] == 4 && separators[0] == separators[1] && separators[0] is '-' or ' ');

    private static bool IsPhone(ReadOnlySpan<char> text, int start, ReadOnlySpan<byte> groups, ReadOnlySpan<char> separators, int digits, bool plus, bool paren)
    {
        bool sameSeparators = true;
        for (int i = 2; i < separators.Length; i++)
        {
            sameSeparators &= separators[i] == separators[1];
        }

        if (plus)
        {
            // E.164: a country code of 1 to 3 digits, 8 to 15 digits in all.
            return digits is >= 8 and <= 15 && (groups.Length == 1 || groups[0] <= 3);
        }

        if (paren)
        {
            // "(555) 123-4567", "(030) 1234567".
            return groups.Length >= 2 && separators[0] == ')' && groups[0] is >= 2 and <= 5 && digits is >= 9 and <= 12;
        }

        if (separators.Contains('(') || separators.Contains(')') || (IsSsnShape(groups, separators) && groups.Length == 3 && separators[0] == '-'))
        {
            // Parentheses are read above; 123-45-6789 is the shape of a social security number, valid or not.
            return false;
        }

        // North America: [1-]NXX-NXX-XXXX with the same separator throughout.
        int offset = groups.Length == 4 && groups[0] == 1 && text[start] == '1' ? 1 : 0;
        if (groups.Length - offset == 3 && groups[offset] == 3 && groups[offset + 1] == 3 && groups[offset + 2] == 4
            && separators.Length >= 2 && separators[^1] == separators[^2] && separators[^1] is '-' or '.' or ' ')
        {
            int area = start + (offset == 1 ? 2 : 0);
            int exchange = area + 4;
            if (text[area] >= '2' && text[exchange] >= '2')
            {
                return true;
            }
        }

        bool negative = HasKeywordBefore(text, start, 24, s_notPhoneWords);
        if (negative)
        {
            return false;
        }

        // Europe: a trunk prefix 0 (not the international 00), 9 to 12 digits in two groups or more.
        if (groups.Length >= 2 && text[start] == '0' && text[start + 1] != '0' && groups[0] is >= 2 and <= 5 && digits is >= 9 and <= 12
            && sameSeparators && separators[0] is ' ' or '-' or '/' or '.' && (separators.Length == 1 || separators[1] is ' ' or '-' or '.'))
        {
            return true;
        }

        // Any other shape of 7 to 13 digits counts only after a word naming a phone number.
        return digits is >= 7 and <= 13 && sameSeparators && (groups.Length == 1 || AllAtLeast(groups, 2))
            && !(groups.Length >= 2 && separators[0] == '.' && digits <= 8)
            && HasKeywordBefore(text, start, 24, s_phoneWords);
    }

    private static bool AllAtLeast(ReadOnlySpan<byte> groups, int minimum)
    {
        foreach (byte length in groups)
        {
            if (length < minimum)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPaymentCard(ReadOnlySpan<char> number, ReadOnlySpan<byte> groups, ReadOnlySpan<char> separators, int digits)
    {
        if (digits is < 13 or > 19)
        {
            return false;
        }

        if (groups.Length > 1)
        {
            foreach (char separator in separators)
            {
                if (separator != separators[0] || separator is not (' ' or '-'))
                {
                    return false;
                }
            }

            bool fours = true;
            for (int i = 0; i < groups.Length - 1; i++)
            {
                fours &= groups[i] == 4;
            }

            bool amexOrDiners = groups.Length == 3 && groups[0] == 4 && groups[1] == 6 && groups[2] is 4 or 5;
            if (!(fours && groups[^1] is >= 1 and <= 4) && !amexOrDiners)
            {
                return false;
            }
        }

        Span<char> compact = stackalloc char[19];
        int n = 0;
        foreach (char c in number)
        {
            if (char.IsAsciiDigit(c))
            {
                compact[n++] = c;
            }
        }

        compact = compact[..n];
        return HasCardPrefix(compact) && IsLuhnValid(compact);
    }

    /// <summary>Whether a number of this length starts like a card of a known scheme (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir).</summary>
    internal static bool HasCardPrefix(ReadOnlySpan<char> digits)
    {
        int length = digits.Length;
        int two = ((digits[0] - '0') * 10) + (digits[1] - '0');
        int three = (two * 10) + (digits[2] - '0');
        int four = (three * 10) + (digits[3] - '0');
        return digits[0] switch
        {
            '4' => length is 13 or 16 or 19,
            '5' => (two is >= 51 and <= 55 && length == 16) || (two is 50 or 56 or 57 or 58 && length >= 13),
            '2' => (four is >= 2221 and <= 2720 && length == 16) || (four is >= 2200 and <= 2204 && length >= 16),
            '3' => (two is 34 or 37 && length == 15) || (four is >= 3528 and <= 3589 && length >= 16) || ((three is >= 300 and <= 305 || two is 36 or 38 or 39) && length >= 14),
            '6' => length >= 13 && (four == 6011 || three is >= 644 and <= 649 || two is 65 or 62 or 63 or 67),
            _ => false,
        };
    }

    /// <summary>Whether the last digit of <paramref name="digits"/> is its Luhn check digit.</summary>
    internal static bool IsLuhnValid(ReadOnlySpan<char> digits)
    {
        int sum = 0;
        bool twice = false;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int d = digits[i] - '0';
            if (twice)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            twice = !twice;
        }

        return sum % 10 == 0;
    }

    /// <summary>Whether a social security number (nine digits, with or without separators) has a valid area, group and serial.</summary>
    internal static bool IsValidSsn(ReadOnlySpan<char> number)
    {
        Span<int> d = stackalloc int[9];
        int n = 0;
        foreach (char c in number)
        {
            if (char.IsAsciiDigit(c))
            {
                if (n == 9)
                {
                    return false;
                }

                d[n++] = c - '0';
            }
        }

        if (n != 9)
        {
            return false;
        }

        int area = (d[0] * 100) + (d[1] * 10) + d[2];
        int group = (d[3] * 10) + d[4];
        int serial = (d[5] * 1000) + (d[6] * 100) + (d[7] * 10) + d[8];

        // Never issued: area 000, 666 or 900-999, group 00, serial 0000, and the two numbers printed in advertising.
        return area is not (0 or 666) && area < 900 && group != 0 && serial != 0
            && !(area == 78 && group == 5 && serial == 1120) && !(area == 219 && group == 9 && serial == 9999);
    }

    /// <summary>
    /// The end of a valid IBAN that starts at <paramref name="start"/> (compact, or in groups of four separated by
    /// single spaces or no-break spaces; letters in either case); minus the end when it has a known country's shape and
    /// length but fails the check; 0 otherwise.
    /// </summary>
    private static int MatchIban(ReadOnlySpan<char> text, int start)
    {
        int expected = s_ibanLengths[((text[start] | 0x20) - 'a') * 26 + ((text[start + 1] | 0x20) - 'a')];
        if (expected == 0)
        {
            return 0;
        }

        Span<char> compact = stackalloc char[34];
        int count = 0;
        int pos = start;
        while (pos < text.Length && count < expected)
        {
            char c = text[pos];
            if (char.IsAsciiLetterOrDigit(c))
            {
                compact[count++] = char.IsAsciiLetterLower(c) ? (char)(c - 32) : c;
                pos++;
            }
            else if (c is ' ' or '\u00A0' && count % 4 == 0 && pos + 1 < text.Length && char.IsAsciiLetterOrDigit(text[pos + 1]))
            {
                pos++;
            }
            else
            {
                break;
            }
        }

        if (count != expected || (pos < text.Length && IsWordChar(text[pos])) || !char.IsAsciiDigit(compact[2]) || !char.IsAsciiDigit(compact[3]))
        {
            return 0;
        }

        return IsIbanChecksumValid(compact[..count]) ? pos : -pos;
    }

    /// <summary>Whether a compact IBAN passes the ISO 7064 mod-97-10 check (its number, with the first four characters moved to the end, is 1 modulo 97).</summary>
    internal static bool IsIbanChecksumValid(ReadOnlySpan<char> iban)
    {
        int remainder = 0;
        for (int i = 0; i < iban.Length; i++)
        {
            char c = iban[(i + 4) % iban.Length];
            remainder = char.IsAsciiDigit(c)
                ? ((remainder * 10) + (c - '0')) % 97
                : ((remainder * 100) + (c - 'A' + 10)) % 97;
        }

        return remainder == 1;
    }
}
