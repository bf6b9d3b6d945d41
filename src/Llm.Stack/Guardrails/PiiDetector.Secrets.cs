using System.Buffers;

namespace Llm.Stack;

/// <summary>
/// Secrets, in one pass over the text's tokens (runs of letters, digits and <c>+/_-</c>): PEM private-key blocks,
/// JWTs, keys with a well-known prefix, values assigned to password or key fields, bearer tokens, and high-entropy tokens.
/// </summary>
public sealed partial class PiiDetector
{
    private const int MinimumEntropyTokenLength = 20;

    /// <summary>The shortest token a key with a well-known prefix is reported in.</summary>
    private const int MinimumKeyTokenLength = 12;

    private static readonly SearchValues<char> s_tokenChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-");

    /// <summary>Well-known key prefixes and the least number of characters after each.</summary>
    private static readonly (string Prefix, int MinimumBody)[] s_keyPrefixes =
    [
        ("sk-", 20), ("ghp_", 30), ("gho_", 30), ("ghu_", 30), ("ghs_", 30), ("ghr_", 30), ("github_pat_", 22), ("glpat-", 20),
        ("xoxb-", 10), ("xoxp-", 10), ("xoxa-", 10), ("xoxr-", 10), ("xoxs-", 10), ("xapp-", 10), ("AKIA", 16), ("ASIA", 16),
        ("AIza", 30), ("sk_live_", 16), ("sk_test_", 16), ("rk_live_", 16), ("rk_test_", 16), ("whsec_", 20), ("hf_", 30),
        ("npm_", 30), ("pypi-", 40), ("dop_v1_", 40), ("shpat_", 30), ("shpss_", 30), ("glsa_", 30), ("lin_api_", 30),
    ];

    /// <summary>The key prefixes without a <c>-</c> or <c>_</c>, found by search (the others by their joiner, see <see cref="FirstPossibleStart"/>).</summary>
    private static readonly string[] s_plainKeyPrefixes = [.. s_keyPrefixes.Select(k => k.Prefix).Where(p => p.AsSpan().IndexOfAny('-', '_') < 0)];

    /// <summary>Field names whose assigned value is a secret (compared case-insensitively with the end of the field name).</summary>
    private static readonly string[] s_secretFields =
    [
        "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key", "accesskey", "access_key",
        "secret_key", "privatekey", "private_key", "accountkey", "sharedaccesskey", "passwort", "kennwort", "contrasena", "haslo", "credential",
    ];

    private void ScanTokens(ReadOnlySpan<char> text, ref List<PiiMatch>? found)
    {
        int i = 0;
        while (i < text.Length)
        {
            int start = text[i..].IndexOfAny(s_tokenChars);
            if (start < 0)
            {
                return;
            }

            start += i;
            int end = text[start..].IndexOfAnyExcept(s_tokenChars);
            end = end < 0 ? text.Length : start + end;
            i = end - start < 3 ? end : InspectToken(text, start, end, ref found);
        }
    }

    /// <summary>Looks at one token and returns where the scan goes on (past a block or a value it took).</summary>
    private int InspectToken(ReadOnlySpan<char> text, int start, int end, ref List<PiiMatch>? found)
    {
        ReadOnlySpan<char> token = text[start..end];
        if (token.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return MatchPemBlock(text, start, ref found);
        }

        if (token.StartsWith("eyJ", StringComparison.Ordinal) && end < text.Length && text[end] == '.')
        {
            int jwtEnd = MatchJwt(text, start);
            if (jwtEnd > 0)
            {
                Add(ref found, PiiKind.Secret, start, jwtEnd);
                return jwtEnd;
            }
        }

        if (start > 0 && char.IsLetterOrDigit(text[start - 1]))
        {
            // A token glued to other letters (after an accented letter, say) is not a whole word.
            return end;
        }

        int assigned = MatchAssignedSecret(text, start, end, out int valueStart);
        if (assigned > 0)
        {
            Add(ref found, PiiKind.Secret, valueStart, assigned);
            return assigned;
        }

        if (token.Length >= MinimumKeyTokenLength && HasKeyPrefix(token))
        {
            Add(ref found, PiiKind.Secret, start, end + Padding(text, end));
            return end;
        }

        if (token.Length >= MinimumEntropyTokenLength && IsHighEntropy(token) && !IsNamedHash(text, start) && !IsDataUriPayload(text, start))
        {
            Add(ref found, PiiKind.Secret, start, end + Padding(text, end));
        }

        return end;
    }

    /// <summary>The base64 padding (<c>=</c> or <c>==</c>) right after a token.</summary>
    private static int Padding(ReadOnlySpan<char> text, int end)
    {
        int n = 0;
        while (end + n < text.Length && text[end + n] == '=' && n < 2)
        {
            n++;
        }

        return end + n < text.Length && s_tokenChars.Contains(text[end + n]) ? 0 : n;
    }

    private static bool HasKeyPrefix(ReadOnlySpan<char> token)
    {
        foreach ((string prefix, int minimumBody) in s_keyPrefixes)
        {
            if (token.StartsWith(prefix, StringComparison.Ordinal) && token.Length - prefix.Length >= minimumBody)
            {
                // A key body holds digits or capitals; "sk-learn-compatible-estimators" does not.
                ReadOnlySpan<char> body = token[prefix.Length..];
                return body.IndexOfAnyInRange('0', '9') >= 0 || body.IndexOfAnyInRange('A', 'Z') >= 0;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a token looks random: capitals, small letters and digits, a character class that changes often
    /// (words and identifiers change it rarely), many distinct characters, and not hexadecimal (hashes, UUIDs).
    /// </summary>
    internal static bool IsHighEntropy(ReadOnlySpan<char> token)
    {
        token = token.Trim("-/+_");
        if (token.Length < MinimumEntropyTokenLength || !token.ContainsAnyInRange('A', 'Z') || !token.ContainsAnyInRange('a', 'z') || !token.ContainsAnyInRange('0', '9'))
        {
            return false;
        }

        int changes = 0;
        int previous = CharClass(token[0]);
        Span<int> counts = stackalloc int[128];
        counts[token[0] & 127]++;
        for (int i = 1; i < token.Length; i++)
        {
            int current = CharClass(token[i]);
            changes += current != previous ? 1 : 0;
            previous = current;
            counts[token[i] & 127]++;
        }

        if (changes < (token.Length - 1) * 0.3)
        {
            return false;
        }

        double entropy = 0;
        foreach (int count in counts)
        {
            if (count > 0)
            {
                double p = (double)count / token.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        // Random base64 of n characters has close to log2(n) bits per character for short n and 6 bits at most.
        return entropy >= Math.Min(4.2, 0.8 * Math.Log2(token.Length));
    }

    /// <summary>Whether the token is a digest named by its algorithm: <c>SHA256:…</c> (an SSH fingerprint) or <c>sha384-…</c> (a subresource integrity hash).</summary>
    /// <summary>Whether the token is the payload of a <c>data:</c> URI (<c>data:image/png;base64,…</c>): an embedded file, not a secret.</summary>
    private static bool IsDataUriPayload(ReadOnlySpan<char> text, int start) =>
        text[..start].EndsWith(";base64,", StringComparison.OrdinalIgnoreCase);

    private static bool IsNamedHash(ReadOnlySpan<char> text, int start)
    {
        ReadOnlySpan<char> token = text[start..];
        if (token.StartsWith("sha", StringComparison.OrdinalIgnoreCase) || token.StartsWith("md5-", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        ReadOnlySpan<char> before = text[Math.Max(0, start - 8)..start];
        return before.EndsWith(':') && (before.Contains("SHA", StringComparison.OrdinalIgnoreCase) || before.Contains("MD5", StringComparison.OrdinalIgnoreCase));
    }

    private static int CharClass(char c) => char.IsAsciiLetterUpper(c) ? 0 : char.IsAsciiLetterLower(c) ? 1 : char.IsAsciiDigit(c) ? 2 : 3;

    /// <summary>A PEM block from <c>-----BEGIN</c>: a private key is reported (up to its END line, or the end of the text), any other block (a certificate, a public key) is skipped.</summary>
    private int MatchPemBlock(ReadOnlySpan<char> text, int start, ref List<PiiMatch>? found)
    {
        int headerEnd = text[(start + 10)..].IndexOf("-----", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            return start + 10;
        }

        headerEnd += start + 10 + 5;
        bool privateKey = text[start..headerEnd].Contains("PRIVATE KEY", StringComparison.Ordinal);
        int end = text[headerEnd..].IndexOf("-----END", StringComparison.Ordinal);
        if (end < 0)
        {
            end = text.Length;
        }
        else
        {
            end += headerEnd;
            int close = text[(end + 8)..].IndexOf("-----", StringComparison.Ordinal);
            end = close < 0 ? text.Length : end + 8 + close + 5;
        }

        if (privateKey)
        {
            Add(ref found, PiiKind.Secret, start, end);
        }

        return end;
    }

    /// <summary>The end of a JWT (three base64url parts, the first a JSON header, the last possibly empty) at <paramref name="start"/>; 0 when there is none.</summary>
    private static int MatchJwt(ReadOnlySpan<char> text, int start)
    {
        int pos = start;
        for (int part = 0; part < 3; part++)
        {
            int partStart = pos;
            while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] is '-' or '_'))
            {
                pos++;
            }

            if (part < 2 && (pos - partStart < 10 || pos >= text.Length || text[pos] != '.'))
            {
                return 0;
            }

            if (part < 2)
            {
                pos++;
            }
        }

        return pos < text.Length && (IsWordChar(text[pos]) || text[pos] is '.' or '-' or '=') ? 0 : pos;
    }

    /// <summary>
    /// The end of a secret value assigned to a field named like a password or key (<c>DB_PASSWORD=…</c>,
    /// <c>"apiKey": "…"</c>, <c>password: …</c>), or given after <c>Bearer</c>; 0 when there is none.
    /// </summary>
    private static int MatchAssignedSecret(ReadOnlySpan<char> text, int start, int end, out int valueStart)
    {
        valueStart = 0;
        ReadOnlySpan<char> name = text[start..end];
        int pos = end;
        if (name.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            if (pos + 1 >= text.Length || text[pos] != ' ')
            {
                return 0;
            }

            valueStart = pos + 1;
            pos = valueStart;
            while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] is '-' or '_' or '.' or '~' or '+' or '/' or '='))
            {
                pos++;
            }

            return pos - valueStart >= 16 && IsSecretValue(text[valueStart..pos]) ? pos : 0;
        }

        // The field name, then optional quote and spaces, then ':' or '=' (or ":=", "=>").
        if (pos < text.Length && text[pos] is '"' or '\'')
        {
            pos++;
        }

        while (pos < text.Length && text[pos] == ' ')
        {
            pos++;
        }

        if (pos >= text.Length || text[pos] is not (':' or '='))
        {
            return 0;
        }

        if (!EndsWithSecretField(name))
        {
            return 0;
        }

        pos++;
        if (pos < text.Length && text[pos] is '=' or '>')
        {
            pos++;
        }

        while (pos < text.Length && text[pos] is ' ' or '\t')
        {
            pos++;
        }

        char quote = pos < text.Length && text[pos] is '"' or '\'' ? text[pos] : '\0';
        if (quote != '\0')
        {
            pos++;
        }

        valueStart = pos;
        while (pos < text.Length && !char.IsWhiteSpace(text[pos]) && text[pos] != quote && (quote != '\0' || text[pos] is not (',' or ';' or '&' or '"' or '\'' or ')' or '}' or ']' or '<' or '>')))
        {
            pos++;
        }

        // A sentence's full stop is not part of the value.
        int valueEnd = pos;
        if (quote == '\0' && valueEnd > valueStart && text[valueEnd - 1] == '.')
        {
            valueEnd--;
        }

        return IsSecretValue(text[valueStart..valueEnd]) ? valueEnd : 0;
    }

    private static bool EndsWithSecretField(ReadOnlySpan<char> name)
    {
        foreach (string field in s_secretFields)
        {
            if (name.EndsWith(field, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether an assigned value looks like a real secret: 6 characters or more, not a placeholder, and not a plain word unless long.</summary>
    private static bool IsSecretValue(ReadOnlySpan<char> value)
    {
        if (value.Length < 6 || value[0] is '<' or '{' or '$' or '%' || value.IndexOfAnyExcept('*') < 0 || value.IndexOfAnyExcept("xX") < 0
            || value.StartsWith("redacted", StringComparison.OrdinalIgnoreCase) || value.StartsWith("[", StringComparison.Ordinal)
            || value.Equals("changeme", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        bool lettersOnly = value.IndexOfAnyExceptInRange('a', 'z') < 0 || (char.IsAsciiLetterUpper(value[0]) && value[1..].IndexOfAnyExceptInRange('a', 'z') < 0);
        return !lettersOnly || value.Length >= 12;
    }
}
