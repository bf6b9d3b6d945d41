using System.Buffers;

namespace Llm.Stack;

/// <summary>
/// Finds personal data and secrets in text: e-mail addresses, telephone numbers, payment card numbers, IBANs, US
/// social security numbers, IP addresses and credentials (<see cref="PiiKind"/>).
/// </summary>
/// <remarks>
/// <para>
/// Every candidate is validated, not only matched by shape: card numbers need a known scheme's prefix and length and
/// a valid Luhn digit, IBANs a known country's length and a valid mod-97 check, social security numbers a valid
/// area, group and serial, IP addresses valid octets or groups. Shapes that are usually something else (dates,
/// amounts, ISBNs, version strings, order numbers, hexadecimal hashes and UUIDs) are not reported; ambiguous national
/// phone shapes and bare nine-digit numbers count only after a word that names them (<c>Tel.</c>, <c>phone</c>,
/// <c>SSN</c> …), in English, German, French, Spanish or Polish.
/// </para>
/// <para>
/// The scan is linear in the length of the text, uses no regular expressions, and allocates nothing when nothing is
/// found. An instance is immutable and safe to use from several threads at once.
/// </para>
/// </remarks>
public sealed partial class PiiDetector
{
    private static readonly PiiKind[] s_allKinds = Enum.GetValues<PiiKind>();

    private readonly bool[] _enabled = new bool[s_allKinds.Length];
    private readonly bool _numbers;

    /// <summary>Initializes a new instance of the <see cref="PiiDetector"/> class that finds every <see cref="PiiKind"/>.</summary>
    public PiiDetector()
        : this(s_allKinds)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PiiDetector"/> class that finds only the given kinds.</summary>
    /// <param name="kinds">The kinds to report.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kinds"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kinds"/> holds a value that is not a <see cref="PiiKind"/>.</exception>
    public PiiDetector(IEnumerable<PiiKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        foreach (PiiKind kind in kinds)
        {
            if (!Enum.IsDefined(kind))
            {
                throw new ArgumentOutOfRangeException(nameof(kinds), kind, $"{kind} is not a {nameof(PiiKind)}.");
            }

            _enabled[(int)kind] = true;
        }

        Kinds = [.. s_allKinds.Where(k => _enabled[(int)k])];
        _numbers = IsEnabled(PiiKind.Phone) || IsEnabled(PiiKind.PaymentCard) || IsEnabled(PiiKind.Iban) || IsEnabled(PiiKind.UsSsn) || IsEnabled(PiiKind.IPAddress);
    }

    /// <summary>Gets a detector that finds every <see cref="PiiKind"/>.</summary>
    public static PiiDetector Default { get; } = new();

    /// <summary>Gets the kinds this detector reports.</summary>
    public IReadOnlyList<PiiKind> Kinds { get; }

    /// <summary>Finds the personal data and secrets in <paramref name="text"/>.</summary>
    /// <param name="text">The text to scan.</param>
    /// <returns>The matches in text order, none overlapping another; an empty list (not a new one) when nothing is found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<PiiMatch> Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Detect(text.AsSpan());
    }

    /// <summary>Finds the personal data and secrets in <paramref name="text"/>.</summary>
    /// <param name="text">The text to scan.</param>
    /// <returns>The matches in text order, none overlapping another; an empty list (not a new one) when nothing is found.</returns>
    public IReadOnlyList<PiiMatch> Detect(ReadOnlySpan<char> text)
    {
        List<PiiMatch>? found = null;
        if (IsEnabled(PiiKind.Email))
        {
            ScanEmails(text, ref found);
        }

        if (_numbers)
        {
            ScanNumbers(text, ref found);
        }

        if (IsEnabled(PiiKind.IPAddress))
        {
            ScanIPv6(text, ref found);
        }

        if (IsEnabled(PiiKind.Secret))
        {
            ScanTokens(text, ref found);
        }

        return found is null ? [] : Resolve(found);
    }

    private bool IsEnabled(PiiKind kind) => _enabled[(int)kind];

    private void Add(ref List<PiiMatch>? found, PiiKind kind, int start, int end)
    {
        if (IsEnabled(kind))
        {
            (found ??= []).Add(new PiiMatch(kind, start, end - start));
        }
    }

    /// <summary>
    /// Sorts the matches and keeps, of overlapping ones, the one that starts first (the longest of those, then the first
    /// kind: an address assigned to a password is an IP address). The order is total, so the result does not depend on
    /// the order the scanners found the matches in (the sort is not stable), nor on how much text around them was scanned.
    /// </summary>
    private static PiiMatch[] Resolve(List<PiiMatch> found)
    {
        found.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Length != b.Length ? b.Length.CompareTo(a.Length) : a.Kind.CompareTo(b.Kind));
        var kept = new List<PiiMatch>(found.Count);
        int end = 0;
        foreach (PiiMatch match in found)
        {
            if (match.Start >= end)
            {
                kept.Add(match);
                end = match.End;
            }
        }

        return [.. kept];
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    /// <summary>Whether one of <paramref name="keywords"/> starts a word in the <paramref name="window"/> characters before <paramref name="start"/>.</summary>
    private static bool HasKeywordBefore(ReadOnlySpan<char> text, int start, int window, string[] keywords)
    {
        int from = Math.Max(0, start - window);
        ReadOnlySpan<char> before = text[from..start];
        foreach (string keyword in keywords)
        {
            int offset = 0;
            while (offset < before.Length)
            {
                int at = before[offset..].IndexOf(keyword, StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    break;
                }

                int absolute = from + offset + at;
                if (absolute == 0 || !char.IsLetter(text[absolute - 1]))
                {
                    return true;
                }

                offset += at + 1;
            }
        }

        return false;
    }

    private static readonly SearchValues<char> s_asciiDigits = SearchValues.Create("0123456789");
}
