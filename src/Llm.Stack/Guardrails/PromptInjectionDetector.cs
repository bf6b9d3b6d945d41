using System.Buffers;
using static Llm.Stack.PromptInjectionPhrases;

namespace Llm.Stack;

/// <summary>
/// Scores how likely a text is a prompt injection: an instruction to ignore the previous instructions, a new role
/// or identity for the model, a request to reveal the system prompt or secrets, spoofed prompt delimiters, invisible
/// or bidirectional-control characters, and base64, hexadecimal or URL-encoded payloads hiding any of these; in
/// English, German, French, Spanish and Polish.
/// </summary>
/// <remarks>
/// <para>
/// Each finding is an <see cref="InjectionSignal"/> with a weight; the <see cref="InjectionAssessment.Score"/> combines
/// the strongest weight of each kind as independent evidence (1 − Π(1 − w)), and
/// <see cref="InjectionAssessment.IsInjection"/> compares it with <see cref="Threshold"/>. Phrases are confirmed by
/// their neighbourhood, so that ordinary text that uses the same words ("ignore the noise", "show the system status",
/// "you are now subscribed") stays below the threshold.
/// </para>
/// <para>
/// A heuristic, not a proof: a determined attacker can phrase an injection it does not know. Combine it with the
/// structural defences (sources wrapped as untrusted data, least privilege for tools) and, where the cost is
/// acceptable, a model-based classifier. The scan is linear in the length of the text and allocates nothing when
/// nothing is found (encoded payloads are decoded into pooled buffers). An instance is immutable and safe to use
/// from several threads at once.
/// </para>
/// </remarks>
public sealed class PromptInjectionDetector
{
    private const int MaxDepth = 2;
    private const int MinimumEncodedLength = 20;

    private static readonly SearchValues<char> s_invisible = SearchValues.Create(
        "\u200B\u200C\u200D\u2060\u2061\u2062\u2063\u2064\uFEFF\u180E\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\uDB40");

    private static readonly SearchValues<char> s_clauseEnds = SearchValues.Create(".,;:!?\n");

    private static readonly SearchValues<char> s_hexOrLineBreak = SearchValues.Create("0123456789abcdefABCDEF\r\n");

    /// <summary>The characters of base64 (standard and URL-safe alphabets) without the padding <c>=</c>, which only ends a run.</summary>
    private static readonly SearchValues<char> s_base64 = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-");

    /// <summary>The least number of byte tokens (<c>\x49</c>, <c>0x49</c>, <c>49</c>) of a hexadecimal payload written byte by byte.</summary>
    private const int MinimumHexTokens = 8;

    /// <summary>How an encoded run is written.</summary>
    private enum Encoding
    {
        /// <summary>Base64, or plain hexadecimal digits (decided by its characters); line breaks are skipped.</summary>
        Base64OrHex,

        /// <summary>URL encoding (<c>%XX</c>, <c>+</c> for a space).</summary>
        Percent,

        /// <summary>Hexadecimal bytes one by one: <c>\x49\x67</c>, <c>0x49, 0x67</c>, <c>49 67 6e</c>.</summary>
        HexTokens,
    }

    /// <summary>Initializes a new instance of the <see cref="PromptInjectionDetector"/> class.</summary>
    /// <param name="threshold">The score from which a text counts as an injection, in (0, 1]. The default is 0.5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not in (0, 1].</exception>
    public PromptInjectionDetector(double threshold = 0.5)
    {
        if (!(threshold > 0 && threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be greater than 0 and at most 1.");
        }

        Threshold = threshold;
    }

    /// <summary>Gets a detector with the default threshold of 0.5.</summary>
    public static PromptInjectionDetector Default { get; } = new();

    /// <summary>Gets the score from which a text counts as an injection.</summary>
    public double Threshold { get; }

    /// <summary>Assesses whether <paramref name="text"/> is a prompt injection.</summary>
    /// <param name="text">The text to assess: a user message, a retrieved chunk, a tool result.</param>
    /// <returns>The score, the verdict at <see cref="Threshold"/>, and the signals found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public InjectionAssessment Assess(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Assess(text.AsSpan());
    }

    /// <summary>Assesses whether <paramref name="text"/> is a prompt injection.</summary>
    /// <param name="text">The text to assess.</param>
    /// <returns>The score, the verdict at <see cref="Threshold"/>, and the signals found.</returns>
    public InjectionAssessment Assess(ReadOnlySpan<char> text)
    {
        List<InjectionSignal>? signals = null;
        Scan(text, 0, 0, ref signals);
        if (signals is null)
        {
            return InjectionAssessment.None;
        }

        Span<double> strongest = stackalloc double[6];
        foreach (InjectionSignal signal in signals)
        {
            strongest[(int)signal.Kind] = Math.Max(strongest[(int)signal.Kind], signal.Weight);
        }

        double keep = 1;
        foreach (double weight in strongest)
        {
            keep *= 1 - weight;
        }

        double score = Math.Round(1 - keep, 6);
        signals.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        return new InjectionAssessment(score, score >= Threshold, [.. signals]);
    }

    /// <summary>Finds the signals of <paramref name="text"/>, whose first character is at <paramref name="offset"/> of the text assessed.</summary>
    private static void Scan(ReadOnlySpan<char> text, int offset, int depth, ref List<InjectionSignal>? signals)
    {
        ScanPhrases(text, offset, ref signals);
        ScanInvisible(text, offset, ref signals);
        if (depth < MaxDepth)
        {
            ScanEncoded(text, offset, depth, ref signals);
        }
    }

    private static void Add(ref List<InjectionSignal>? signals, InjectionSignalKind kind, int start, int length, double weight) =>
        (signals ??= []).Add(new InjectionSignal(kind, start, length, weight));

    private static void ScanPhrases(ReadOnlySpan<char> text, int offset, ref List<InjectionSignal>? signals)
    {
        int pos = 0;
        int firstSystemLine = -1;
        while (pos < text.Length)
        {
            int at = IndexOfNext(text, pos);
            if (at < 0)
            {
                return;
            }

            (string phrase, Role role) = PhraseAt(text, at);
            pos = at + Math.Max(1, phrase.Length);
            bool wordStart = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            if (phrase.Length == 0 || (!wordStart && char.IsLetter(phrase[0])))
            {
                continue;
            }

            int end = at + phrase.Length;
            switch (role)
            {
                case Role.DismissVerb:
                    {
                        // "ignore all previous instructions": the object within a few words of the same clause, a
                        // modifier around it; quoted, it is more likely a mention than an order.
                        ReadOnlySpan<char> after = Clause(text, end, 40);
                        if (!ContainsWord(after, InstructionObjects) || IsNegated(text, at))
                        {
                            break;
                        }

                        bool modified = ContainsWord(after, DismissModifiers);
                        double weight = (modified ? 0.85 : 0.4) * (IsQuoted(text, at) ? 0.5 : 1);
                        Add(ref signals, InjectionSignalKind.IgnoreInstructions, offset + at, end + after.Length - at, weight);
                        break;
                    }

                case Role.PromptObject:
                case Role.SecretObject:
                    {
                        // "reveal your system prompt": a reveal verb within a few words before.
                        ReadOnlySpan<char> before = text[Math.Max(0, at - 40)..at];
                        if (!ContainsWord(before, RevealVerbs))
                        {
                            break;
                        }

                        bool ownSecret = role == Role.PromptObject || ContainsWord(text[Math.Max(0, at - 8)..at], SecondPerson);
                        if (ownSecret)
                        {
                            Add(ref signals, InjectionSignalKind.PromptExtraction, offset + at, phrase.Length, role == Role.PromptObject ? 0.75 : 0.6);
                        }

                        break;
                    }

                case Role.RolePhrase:
                    Add(ref signals, InjectionSignalKind.RoleImpersonation, offset + at, phrase.Length, 0.6);
                    break;

                case Role.WeakRolePhrase:
                    if (ContainsWord(text[end..Math.Min(text.Length, end + 32)], RoleWords))
                    {
                        Add(ref signals, InjectionSignalKind.RoleImpersonation, offset + at, phrase.Length, 0.6);
                    }

                    break;

                case Role.Delimiter:
                    Add(ref signals, InjectionSignalKind.DelimiterSpoofing, offset + at, phrase.Length, 0.7);
                    break;

                case Role.RoleLine:
                    if (IsLineStart(text, at))
                    {
                        // A "system:" line is suspect; with another role line after it, it is a forged conversation.
                        bool system = phrase.StartsWith("system", StringComparison.OrdinalIgnoreCase);
                        firstSystemLine = system && firstSystemLine < 0 ? at : firstSystemLine;
                        double weight = system ? 0.45 : firstSystemLine >= 0 ? 0.6 : 0.3;
                        Add(ref signals, InjectionSignalKind.DelimiterSpoofing, offset + at, phrase.Length, weight);
                    }

                    break;
            }
        }
    }

    /// <summary>Up to <paramref name="length"/> characters from <paramref name="start"/>, cut at the end of the clause.</summary>
    private static ReadOnlySpan<char> Clause(ReadOnlySpan<char> text, int start, int length)
    {
        ReadOnlySpan<char> window = text[start..Math.Min(text.Length, start + length)];
        int stop = window.IndexOfAny(s_clauseEnds);
        return stop < 0 ? window : window[..stop];
    }

    private static bool IsQuoted(ReadOnlySpan<char> text, int at) => at > 0 && text[at - 1] is '\'' or '"' or '“' or '‘' or '«' or '„';

    private static bool IsNegated(ReadOnlySpan<char> text, int at) => ContainsWord(text[Math.Max(0, at - 10)..at], Negations);

    private static bool IsLineStart(ReadOnlySpan<char> text, int at)
    {
        int i = at - 1;
        while (i >= 0 && text[i] is ' ' or '\t' or '#' or '*' or '>' or '-')
        {
            i--;
        }

        return i < 0 || text[i] == '\n';
    }

    /// <summary>Bidirectional controls, Unicode tag characters (outside an emoji flag) and runs of zero-width characters.</summary>
    private static void ScanInvisible(ReadOnlySpan<char> text, int offset, ref List<InjectionSignal>? signals)
    {
        int first = text.IndexOfAny(s_invisible);
        if (first < 0)
        {
            return;
        }

        int bidi = -1;
        int tags = -1;
        int zeroWidth = 0;
        int zeroWidthStart = -1;
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                bidi = bidi < 0 ? i : bidi;
            }
            else if (c == '\uDB40' && i + 1 < text.Length && text[i + 1] is >= '\uDC00' and <= '\uDC7F' && !IsAfterFlag(text, i))
            {
                tags = tags < 0 ? i : tags;
            }
            else if (c is '\u200B' or '\u200C' or '\u2060' or '\u2061' or '\u2062' or '\u2063' or '\u2064' or '\u180E' || (c == '\uFEFF' && i > 0)
                || (c == '\u200D' && !(i > 0 && char.IsSurrogate(text[i - 1]))))
            {
                zeroWidth++;
                zeroWidthStart = zeroWidthStart < 0 ? i : zeroWidthStart;
            }
        }

        if (tags >= 0)
        {
            Add(ref signals, InjectionSignalKind.InvisibleCharacters, offset + tags, 2, 0.9);
        }

        if (bidi >= 0)
        {
            Add(ref signals, InjectionSignalKind.InvisibleCharacters, offset + bidi, 1, 0.5);
        }

        if (zeroWidth >= 3)
        {
            Add(ref signals, InjectionSignalKind.InvisibleCharacters, offset + zeroWidthStart, 1, zeroWidth >= 8 ? 0.6 : 0.35);
        }
    }

    /// <summary>Whether the tag character at <paramref name="i"/> belongs to an emoji tag sequence (a subdivision flag after 🏴).</summary>
    private static bool IsAfterFlag(ReadOnlySpan<char> text, int i)
    {
        int j = i;
        while (j >= 2 && text[j - 2] == '\uDB40')
        {
            j -= 2;
        }

        return j >= 2 && text[j - 2] == '\uD83C' && text[j - 1] == '\uDFF4';
    }

    /// <summary>Decodes base64, hexadecimal and URL-encoded runs and assesses what they hide.</summary>
    /// <remarks>
    /// A base64 run ends at its padding, so that a value after <c>name=</c> is read alone; a run whose lines are a
    /// multiple of four characters goes on across a line break (base64 wrapped at 64 or 76 characters, as in mail and
    /// PEM), and a run that does not decode to text is read again from after its last <c>/</c> (a URL path before the
    /// payload). Hexadecimal is read as one run of digits, or byte by byte (<c>\x49\x67</c>, <c>0x49 0x67</c>,
    /// <c>49 67 6e</c>).
    /// </remarks>
    private static void ScanEncoded(ReadOnlySpan<char> text, int offset, int depth, ref List<InjectionSignal>? signals)
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int start = text[pos..].IndexOfAny(s_base64);
            if (start < 0)
            {
                break;
            }

            start += pos;
            int end = RunEnd(text, start);
            int lineStart = start;
            while (end - lineStart >= MinimumEncodedLength && (end - lineStart) % 4 == 0 && LineBreak(text, end) is > 0 and int lineBreak
                && end + lineBreak < text.Length && s_base64.Contains(text[end + lineBreak]))
            {
                lineStart = end + lineBreak;
                end = RunEnd(text, lineStart);
            }

            if (end - start == 2 && end + 2 < text.Length && text[end] == ' ' && IsHexPair(text, start))
            {
                // Perhaps "49 67 6e …": hexadecimal bytes separated by spaces.
                int tokensEnd = HexTokensEnd(text, start, [], out int tokens);
                if (tokens >= MinimumHexTokens)
                {
                    AssessDecoded(text[start..tokensEnd], offset + start, depth, Encoding.HexTokens, [], ref signals);
                    pos = tokensEnd;
                    continue;
                }
            }

            // The padding: one or two '=' end the run.
            int body = end;
            while (end < text.Length && text[end] == '=' && end - body < 2)
            {
                end++;
            }

            pos = end;
            if (end - start >= MinimumEncodedLength && !AssessDecoded(text[start..end], offset + start, depth, Encoding.Base64OrHex, [], ref signals))
            {
                int slash = text[start..end].LastIndexOf('/');
                if (slash >= 0 && end - (start + slash + 1) >= MinimumEncodedLength)
                {
                    AssessDecoded(text[(start + slash + 1)..end], offset + start + slash + 1, depth, Encoding.Base64OrHex, [], ref signals);
                }
            }
        }

        ScanHexTokens(text, "\\x", offset, depth, ref signals);
        ScanHexTokens(text, "0x", offset, depth, ref signals);

        int percent = text.IndexOf('%');
        while (percent >= 0 && percent + 2 < text.Length)
        {
            // A run of URL-encoded text: the non-space characters around the first %XX.
            int start = percent;
            while (start > 0 && !char.IsWhiteSpace(text[start - 1]))
            {
                start--;
            }

            int end = percent;
            while (end < text.Length && !char.IsWhiteSpace(text[end]))
            {
                end++;
            }

            if (text[start..end].Count('%') >= 3)
            {
                AssessDecoded(text[start..end], offset + start, depth, Encoding.Percent, [], ref signals);
            }

            int next = end < text.Length ? text[end..].IndexOf('%') : -1;
            percent = next < 0 ? -1 : end + next;
        }
    }

    /// <summary>The end of the run of base64 characters (without padding) that starts at <paramref name="start"/>.</summary>
    private static int RunEnd(ReadOnlySpan<char> text, int start)
    {
        int end = text[start..].IndexOfAnyExcept(s_base64);
        return end < 0 ? text.Length : start + end;
    }

    /// <summary>The length of the line break (<c>\n</c> or <c>\r\n</c>) at <paramref name="pos"/>; 0 when there is none.</summary>
    private static int LineBreak(ReadOnlySpan<char> text, int pos) =>
        pos < text.Length && text[pos] == '\n' ? 1 : pos + 1 < text.Length && text[pos] == '\r' && text[pos + 1] == '\n' ? 2 : 0;

    private static bool IsHexPair(ReadOnlySpan<char> text, int at) => char.IsAsciiHexDigit(text[at]) && char.IsAsciiHexDigit(text[at + 1]);

    /// <summary>Finds the hexadecimal bytes written with <paramref name="prefix"/> (<c>\x49\x67</c>, <c>0x49, 0x67</c>) and assesses what they hide.</summary>
    private static void ScanHexTokens(ReadOnlySpan<char> text, string prefix, int offset, int depth, ref List<InjectionSignal>? signals)
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int at = text[pos..].IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return;
            }

            at += pos;
            int end = HexTokensEnd(text, at, prefix, out int tokens);
            if (tokens >= MinimumHexTokens)
            {
                AssessDecoded(text[at..end], offset + at, depth, Encoding.HexTokens, prefix, ref signals);
            }

            pos = Math.Max(end, at + prefix.Length);
        }
    }

    /// <summary>
    /// Reads byte tokens from <paramref name="start"/>: <paramref name="prefix"/> and two hexadecimal digits, separated by
    /// nothing (only with a prefix), a space, or a comma or colon and an optional space. Returns the end of the last token.
    /// </summary>
    private static int HexTokensEnd(ReadOnlySpan<char> text, int start, ReadOnlySpan<char> prefix, out int tokens)
    {
        tokens = 0;
        int pos = start;
        int end = start;
        while (pos < text.Length && text[pos..].StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            int digits = pos + prefix.Length;
            if (digits + 2 > text.Length || !IsHexPair(text, digits) || (digits + 2 < text.Length && char.IsAsciiLetterOrDigit(text[digits + 2]) && prefix.IsEmpty))
            {
                break;
            }

            tokens++;
            end = pos = digits + 2;
            if (pos < text.Length && text[pos] is ',' or ':')
            {
                pos++;
            }

            if (pos < text.Length && text[pos] == ' ')
            {
                pos++;
            }

            if (pos == end && prefix.IsEmpty)
            {
                break;
            }
        }

        return end;
    }

    /// <summary>Decodes hexadecimal byte tokens (as <see cref="HexTokensEnd"/> reads them) into bytes.</summary>
    private static int DecodeHexTokens(ReadOnlySpan<char> s, ReadOnlySpan<char> prefix, Span<byte> bytes)
    {
        int n = 0;
        int pos = 0;
        while (pos < s.Length)
        {
            pos += s[pos..].StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? prefix.Length : 0;
            if (pos + 2 > s.Length || !IsHexPair(s, pos))
            {
                break;
            }

            bytes[n++] = (byte)((HexValue(s[pos]) << 4) | HexValue(s[pos + 1]));
            pos += 2;
            while (pos < s.Length && s[pos] is ',' or ':' or ' ')
            {
                pos++;
            }
        }

        return n;
    }

    /// <summary>Decodes <paramref name="encoded"/> and, when it reads as text, scans it; returns whether it read as text.</summary>
    private static bool AssessDecoded(ReadOnlySpan<char> encoded, int offset, int depth, Encoding encoding, ReadOnlySpan<char> prefix, ref List<InjectionSignal>? signals)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(encoded.Length);
        try
        {
            int length = encoding switch
            {
                Encoding.Percent => DecodePercent(encoded, buffer),
                Encoding.HexTokens => DecodeHexTokens(encoded, prefix, buffer),
                _ => IsHex(encoded) ? DecodeHex(encoded, buffer) : DecodeBase64(encoded, buffer),
            };
            if (length < 8 || !IsMostlyText(buffer.AsSpan(0, length), depth))
            {
                return false;
            }

            List<InjectionSignal>? inner = null;
            Scan(buffer.AsSpan(0, length), 0, depth + 1, ref inner);
            if (inner is not null)
            {
                double weight = inner.Max(s => s.Weight);
                Add(ref signals, InjectionSignalKind.EncodedPayload, offset, encoded.Length, Math.Min(1, weight + 0.1));
            }

            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static int DecodeHexTokens(ReadOnlySpan<char> s, ReadOnlySpan<char> prefix, Span<char> output)
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(s.Length / 2);
        try
        {
            int n = DecodeHexTokens(s, prefix, bytes.AsSpan());
            return DecodeUtf8OrLatin1(bytes.AsSpan(0, n), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Whether a run is hexadecimal digits only (an even number of them; line breaks of a wrapped run aside).</summary>
    private static bool IsHex(ReadOnlySpan<char> s) => !s.ContainsAnyExcept(s_hexOrLineBreak) && (s.Length - s.Count('\n') - s.Count('\r')) % 2 == 0;

    private static int DecodeHex(ReadOnlySpan<char> s, Span<char> output)
    {
        int n = 0;
        int high = -1;
        foreach (char c in s)
        {
            if (c is '\n' or '\r')
            {
                continue;
            }

            if (high < 0)
            {
                high = HexValue(c);
            }
            else
            {
                output[n++] = (char)((high << 4) | HexValue(c));
                high = -1;
            }
        }

        return n;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>Decodes base64 of the standard or the URL-safe alphabet, padded or not; 0 when a character is of neither.</summary>
    private static int DecodeBase64(ReadOnlySpan<char> s, Span<char> output)
    {
        s = s.TrimEnd('=');
        byte[] bytes = ArrayPool<byte>.Shared.Rent((s.Length * 3 / 4) + 3);
        try
        {
            int n = 0;
            int bits = 0;
            int accumulator = 0;
            foreach (char c in s)
            {
                int value = c switch
                {
                    >= 'A' and <= 'Z' => c - 'A',
                    >= 'a' and <= 'z' => c - 'a' + 26,
                    >= '0' and <= '9' => c - '0' + 52,
                    '+' or '-' => 62,
                    '/' or '_' => 63,
                    '\n' or '\r' => -2,
                    _ => -1,
                };
                if (value == -2)
                {
                    continue;
                }

                if (value < 0)
                {
                    return 0;
                }

                accumulator = (accumulator << 6) | value;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes[n++] = (byte)(accumulator >> bits);
                    accumulator &= (1 << bits) - 1;
                }
            }

            return DecodeUtf8OrLatin1(bytes.AsSpan(0, n), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static int DecodeUtf8OrLatin1(ReadOnlySpan<byte> bytes, Span<char> output)
    {
        if (System.Text.Unicode.Utf8.ToUtf16(bytes, output, out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done)
        {
            return written;
        }

        int n = Math.Min(bytes.Length, output.Length);
        for (int i = 0; i < n; i++)
        {
            output[i] = (char)bytes[i];
        }

        return n;
    }

    private static int DecodePercent(ReadOnlySpan<char> s, Span<char> output)
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(s.Length);
        try
        {
            int n = 0;
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] == '%' && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
                {
                    bytes[n++] = (byte)((HexValue(s[i + 1]) << 4) | HexValue(s[i + 2]));
                    i += 2;
                }
                else
                {
                    bytes[n++] = s[i] == '+' ? (byte)' ' : (byte)s[i];
                }
            }

            return DecodeUtf8OrLatin1(bytes.AsSpan(0, n), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// Whether decoded bytes read as text (nine characters in ten printable or white space), not as binary data: words
    /// (a space or a line break), or, while another level may be decoded, an encoding again (URL-encoded text, or
    /// base64 or hexadecimal digits).
    /// </summary>
    private static bool IsMostlyText(ReadOnlySpan<char> s, int depth)
    {
        int printable = 0;
        foreach (char c in s)
        {
            printable += !char.IsControl(c) || c is '\n' or '\r' or '\t' ? 1 : 0;
        }

        return printable * 10 >= s.Length * 9
            && (s.ContainsAny(' ', '\n') || (depth + 1 < MaxDepth && s.Length >= MinimumEncodedLength && (s.Contains('%') || !s.TrimEnd('=').ContainsAnyExcept(s_base64))));
    }
}
