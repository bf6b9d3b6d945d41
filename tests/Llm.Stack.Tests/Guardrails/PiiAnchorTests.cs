using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// <see cref="PiiDetector.FirstPossibleStart"/>, which lets the streaming output check skip text that cannot hold an
/// item: it is never later than the start of an item that a scan reports in the part, for the labelled set's items and
/// for generated text full of items without digits (assigned values, bearer tokens, keys in capitals, JWTs of letters),
/// scanned from the start or from a later point; and the streaming check that uses it lets out what it let out before.
/// </summary>
[Collection(nameof(GuardrailChatClientTests))] // its decisions would be counted by the Meter test
public sealed class PiiAnchorTests
{
    private static readonly string[] s_parts =
    [
        "the", "river", "flows", "north", "past", "old", "town", "Harbour", "Reykjavik", "well-established", "self-governing_territory",
        "A", "AK", "Aiza", "eyes", "bearer", "Bearers", "sk", "ghp", "xoxb", "pypi", "ASIAN", "AKIAS",
        " ", " ", " ", "  ", "\t", "\n", "\n\n", ". ", "! ", "? ", ".\n", ", ", ": ", " = ", "=", ":", "=>", ":=", "\"", "'", "-", "_", "/", "+", "# ", "### ",
        "password: ", "password=", "api_key = '", "\"apiKey\": \"", "token:", "DB_PASSWORD=", "secret :  ", "Passwort:\t", "credential=>",
        "CorrectHorseBatteryStaple", "hunter2hunter2", "Xk/pL+qR_wZ~mN", "abcdefghijklmnop", "letmeinplease",
        "Bearer ", "BEARER ", "Bearer abcdefghijklmnopqrstuvwx", "bearer ABCDEFGHIJKLMNOPQR",
        "sk-ABCDEFGHIJKLMNOPQRSTUVWX", "sk-abcdefghijklmnopqrstuvwxyz", "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh", "xoxb-ABCDEFGHIJKL",
        "AKIAABCDEFGHIJKLMNOP", "ASIAQWERTYUIOPASDFGH", "AIzaSyABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", "whsec_ABCDEFGHIJKLMNOPQRSTU",
        "eyJhbGciOiJub25lIn.eyJzdWIiOiJhbm5lIn.", "eyJhbGciOiJub25lIn.eyJzdWIiOiJhbm5lIn.abcdefghijk", "eyJ",
        "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "MIIEowIBAAKCAQEA", "-----BEGIN CERTIFICATE-----",
        "ann.lee@example.com", "x@y.io", "@", "4111 1111 1111 1111", "+49 30 1234 5678", "DE89 3704 0044 0532 0130 00", "2001:db8::1",
        "192.168.0.1", "Tel. ", "SSN ", "123-45-6789", "7", "12", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ];

    private static readonly Gen<string> s_text =
        Gen.Frequency(
                (10, Gen.Elements(s_parts)),
                (1, Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Choose(0x09, 0x7E).Select(code => (char)code), n)).Select(chars => new string(chars))))
            .ListOf()
            .Select(parts => string.Concat(parts));

    private static readonly Arbitrary<(string Text, int From, int Start, int End)> s_parted =
        (from text in s_text
         from a in Gen.Choose(0, text.Length)
         from b in Gen.Choose(0, text.Length)
         from c in Gen.Choose(0, text.Length)
         let sorted = new[] { a, b, c }.Order().ToArray()
         select (text, sorted[0], sorted[1], EndNextToWhiteSpace(text, sorted[2]))).ToArbitrary();

    [Property(MaxTest = 2_000)]
    public Property The_first_possible_start_is_never_after_an_item_that_starts_in_the_part() =>
        Prop.ForAll(s_parted, c =>
        {
            int first = PiiDetector.FirstPossibleStart(c.Text, c.Start, c.End);
            Assert.InRange(first, c.Start, c.End);

            // The scan of the whole text, and a scan from a later point (as the streaming check's).
            foreach (int from in (int[])[0, c.From])
            {
                foreach (PiiMatch match in PiiDetector.Default.Detect(c.Text.AsSpan(from)))
                {
                    int start = from + match.Start;
                    if (start >= c.Start && start < c.End)
                    {
                        Assert.True(first <= start, $"{match.Kind} '{c.Text.Substring(start, match.Length)}' at {start} (scan from {from}) in [{c.Start}, {c.End}), first possible {first}");
                    }
                }
            }
        });

    [Fact]
    public void Every_item_in_the_labelled_set_is_seen_from_its_own_start()
    {
        int items = 0;
        foreach (LabelledText document in LabelledText.Load("pii-labelled.txt"))
        {
            foreach (PiiMatch match in PiiDetector.Default.Detect(document.Text))
            {
                int end = EndNextToWhiteSpace(document.Text, match.End);
                Assert.True(
                    PiiDetector.FirstPossibleStart(document.Text, match.Start, end) == match.Start,
                    $"{match.Kind} '{document.Text.Substring(match.Start, match.Length)}' in '{document.Name}' is not seen from its start.");
                items++;
            }
        }

        Assert.True(items >= 100, $"{items} items");
    }

    [Theory]
    [InlineData("The river flows north past the old town and its harbour, which was rebuilt long ago. Visitors walk along the quay.\n\n")]
    [InlineData("### Geography\n\nNorthern Europe, island between the Greenland Sea and the North Atlantic Ocean\n\n")]
    [InlineData("a well-kept, self_made home with bearers, an Akia and a sky-blue roof")]
    public void Prose_without_an_anchor_holds_no_possible_start(string text) =>
        Assert.Equal(text.Length, PiiDetector.FirstPossibleStart(text, 0, text.Length));

    [Fact]
    public void Two_kinds_over_the_same_span_resolve_alike_in_a_short_and_a_long_text()
    {
        // The value assigned to a password is also an IPv4 address; with more than 16 matches the sort is not stable.
        string item = "password : 192.168.0.1.";
        string text = string.Concat(Enumerable.Repeat("mail ann@example.com or " + item + "\n", 20));

        PiiMatch alone = Assert.Single(PiiDetector.Default.Detect(item));
        Assert.Equal(PiiKind.IPAddress, alone.Kind);
        Assert.All(PiiDetector.Default.Detect(text).Where(m => m.Kind != PiiKind.Email), m => Assert.Equal(alone with { Start = m.Start }, m));
    }

    [Fact]
    public void A_long_run_of_separators_is_read_once()
    {
        // Quadratic reading (each '=' leading back over the ones before it) would take billions of steps here.
        string text = "Title\n" + new string('=', 200_000) + "\nplain prose follows " + new string(':', 200_000) + " more";
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.Equal(text.Length, PiiDetector.FirstPossibleStart(text, 0, text.Length));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{watch.Elapsed}");
    }

    [Theory]
    [InlineData("the password: ", "CorrectHorseBatteryStaple and more", 0)]
    [InlineData("\"apiKey\" :\t'", "abcdefghijklmnop' and more", 0)]
    [InlineData("Authorization: Bearer", " abcdefghijklmnopqrstuvwx and more", 0)]
    [InlineData("Authorization: ", "Bearer abcdefghijklmnopqrstuvwx and more", 0)]
    [InlineData("the key ", "is AKIAABCDEFGHIJKLMNOP here", 3)]
    [InlineData("the key ", "is sk-ABCDEFGHIJKLMNOPQRSTUVWX here", 3)]
    [InlineData("a JWT ", "is eyJhbGciOiJub25lIn.eyJzdWIiOiJhbm5lIn.abcdefghijk here", 3)]
    [InlineData("mail ", "to ann.lee@example.com now", 3)]
    public void Items_without_digits_are_seen_from_their_anchor(string before, string part, int expected)
    {
        string text = before + part;
        Assert.NotEmpty(PiiDetector.Default.Detect(text));
        Assert.Equal(before.Length + expected, PiiDetector.FirstPossibleStart(text, before.Length, text.Length));
    }

    [Fact]
    public void Prose_without_an_anchor_is_let_out_without_a_scan_and_the_item_after_it_redacted()
    {
        string sentence = "The harbour of the old town was rebuilt long ago, and visitors still walk along its quay. ";
        string answer = string.Concat(Enumerable.Repeat(sentence, 40)) + "Write to ann.lee@example.com or call +49 30 1234 5678 today.";
        var output = new GuardedOutput(new GuardrailScreen(new GuardrailOptions(), null), null);

        var emitted = new StringBuilder();
        for (int i = 0; i < answer.Length; i += 4)
        {
            emitted.Append(output.Push(answer.Substring(i, Math.Min(4, answer.Length - i))));
        }

        emitted.Append(output.Flush());
        IReadOnlyList<PiiMatch> matches = PiiDetector.Default.Detect(answer);
        Assert.Equal(2, matches.Count);
        Assert.Equal(GuardrailScreen.Replace(answer, matches, static (m, _) => PiiLabels.Label(m.Kind)), emitted.ToString());
        Assert.InRange(output.Scans, 1, 4); // of about 110 releases
        Assert.InRange(output.ScannedCharacters, 1, 4 * 300);
    }

    [Fact]
    public void The_scan_of_a_markdown_answer_starts_after_its_blank_lines()
    {
        string section = "### Area\n\ntotal: 103,000 sq km; land: 100,250 sq km; water: 2,750 sq km\n\n### Climate\n\ntemperate; moderated by the North Atlantic Current\n\n";
        string answer = string.Concat(Enumerable.Repeat(section, 30));
        var output = new GuardedOutput(new GuardrailScreen(new GuardrailOptions(), null), null);

        for (int i = 0; i < answer.Length; i += 4)
        {
            output.Push(answer.Substring(i, Math.Min(4, answer.Length - i)));
        }

        Assert.InRange(output.ScanStart, answer.Length - (2 * section.Length), answer.Length);
        Assert.True(output.ScannedCharacters < 6L * answer.Length, $"{output.ScannedCharacters} characters scanned for {answer.Length}");
    }

    /// <summary>The first position at or after <paramref name="position"/> that is the text's end or next to white space.</summary>
    private static int EndNextToWhiteSpace(string text, int position)
    {
        while (position < text.Length && !(position > 0 && char.IsWhiteSpace(text[position - 1])) && !char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        return position;
    }
}
