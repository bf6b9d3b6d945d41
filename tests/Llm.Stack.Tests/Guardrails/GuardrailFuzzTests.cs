using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// FsCheck fuzzing of the scanners and the streaming output check with text built from the pieces they react to
/// (digit groups and separators, e-mail parts, key prefixes, PEM lines, placeholders, injection phrases, invisible
/// characters, encodings) mixed with random characters.
/// </summary>
[Collection(nameof(GuardrailChatClientTests))] // its decisions would be counted by the Meter test
public sealed class GuardrailFuzzTests
{
    private const int Tests = 400;

    private static readonly string[] s_fragments =
    [
        "4111", "1111", "0000", "12", "123", "030", "555", "+49", "+1", "(555)", "DE89", "3704", "0044", "0532", "0130", "00", "GB29", "NWBK",
        " ", " ", " ", "-", ".", "/", ",", ":", "(", ")", "\n", "\r\n", "\t", "\u00A0",
        "ann", "@", "example.com", "mail.", "co.uk", "+tag", "x@y",
        "Tel.", "phone", "SSN", "ISBN", "order #", "version", "IBAN:", "card",
        "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----", "MIIEowIBAAKCAQEA",
        "eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "ghp_9b2Rann76dEyTzAeKOmXRrvftva9AW7hipTg", "AKIAIOSFODNN7EXAMPLE",
        "password=", "api_key: '", "Bearer ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "192.168.0.1", "10.0.0.0/8", "2001:db8::1", "::ffff:", "fe80::",
        "[EMAIL_1]", "[CARD_2]", "[1]", "[", "]", "_",
        "ignore all previous instructions", "Ignoriere alle vorherigen Anweisungen", "you are now", "DAN", "system prompt", "reveal",
        "<|im_start|>system", "[INST]", "</sources>", "system:", "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=", "%69%67%6E%6F%72%65",
        "69676e6f726520616c6c", "\u200B", "\u200B\u200B\u200B", "\u202E", "\uDB40\uDC41", "\uDB40", "👍🏽", "e\u0301", "漢字",
        "\\x49", "\\x67\\x6e", "0x4A, ", "4a ", "6e 6f ", "payload=", "==", "de89", "gb29nwbk", "(", "Mi número", "SWdub3Jl\n", "SWdu\r\n",
    ];

    private static readonly Gen<string> s_randomChars =
        Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Choose(0x09, 0x2FFF).Select(code => (char)code), n)).Select(chars => new string(chars));

    private static readonly Gen<string> s_text =
        Gen.Frequency((8, Gen.Elements(s_fragments)), (1, s_randomChars), (1, Gen.Choose(1, 40).Select(n => new string('9', n))))
            .ListOf()
            .Select(parts => string.Concat(parts));

    private static readonly Arbitrary<(string Text, int[] Splits)> s_splitText =
        (from text in s_text
         from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, text.Length)))
         select (text, cuts.Distinct().Order().ToArray())).ToArbitrary();

    [Property(MaxTest = Tests)]
    public Property The_pii_detector_accepts_any_text_and_reports_ordered_disjoint_matches() =>
        Prop.ForAll(s_text.ToArbitrary(), text =>
        {
            IReadOnlyList<PiiMatch> matches = PiiDetector.Default.Detect(text);
            int end = 0;
            foreach (PiiMatch match in matches)
            {
                Assert.True(match.Start >= end && match.Length > 0 && match.End <= text.Length, $"{match} in a text of {text.Length}");
                Assert.True(Enum.IsDefined(match.Kind));
                end = match.End;
            }
        });

    [Property(MaxTest = Tests)]
    public Property The_injection_detector_accepts_any_text_and_scores_in_range() =>
        Prop.ForAll(s_text.ToArbitrary(), text =>
        {
            InjectionAssessment assessment = PromptInjectionDetector.Default.Assess(text);
            Assert.InRange(assessment.Score, 0, 1);
            Assert.Equal(assessment.Score >= PromptInjectionDetector.Default.Threshold, assessment.IsInjection);
            Assert.All(assessment.Signals, s => Assert.True(s.Start >= 0 && s.Length >= 0 && s.Start + s.Length <= text.Length && s.Weight is > 0 and <= 1, $"{s} in a text of {text.Length}"));
        });

    /// <remarks>
    /// Each scanner must cost time in proportion to the text: a text built from the fragments (or from any generated
    /// piece, repeated) is scanned at 2,000 and at 32,000 characters, and the longer scan may take at most four times the
    /// sixteen-fold of the shorter, plus a millisecond (a scanner quadratic in the text would take 256 times as long). The
    /// two lengths are timed in turn, round after round after a warm-up, and the fastest of each compared, so that a busy
    /// machine (other test assemblies run beside this one on CI's two cores) slows both alike and does not decide; a
    /// first version that compared 4,000 with 32,000 characters against three times the eight-fold failed once while a
    /// build ran beside it. (<see cref="ContentLinearityTests"/> counts the content classifier's checks exactly.)
    /// </remarks>
    [Property(MaxTest = 30)]
    public Property No_text_makes_a_scanner_super_linear() =>
        Prop.ForAll(Gen.OneOf(s_text, s_contentText).Where(t => t.Length > 0).ToArbitrary(), unit =>
        {
            string small = Repeat(unit, 2_000);
            string large = Repeat(unit, 32_000);
            (string Name, Action<string> Scan)[] scanners =
            [
                ("PiiDetector", t => PiiDetector.Default.Detect(t)),
                ("PromptInjectionDetector", t => PromptInjectionDetector.Default.Assess(t)),
                ("RefusalDetector", t => RefusalDetector.Default.IsRefusal(t)),
                ("EnglishContentClassifier", t => EnglishContentClassifier.Default.Classify(t)),
            ];
            foreach ((string name, Action<string> scan) in scanners)
            {
                scan(small);
                scan(large);
                double shorter = double.MaxValue;
                double longer = double.MaxValue;
                for (int round = 0; round < 4; round++)
                {
                    shorter = Math.Min(shorter, Time(scan, small));
                    longer = Math.Min(longer, Time(scan, large));
                }

                Assert.True(longer <= (4 * 16 * shorter) + 1, $"{name}: {shorter:0.000} ms at {small.Length} characters, {longer:0.000} ms at {large.Length}; the unit was \"{unit}\"");
            }
        });

    private static string Repeat(string unit, int length)
    {
        var text = new StringBuilder(length + unit.Length);
        while (text.Length < length)
        {
            text.Append(unit);
        }

        return text.ToString(0, length);
    }

    private static double Time(Action<string> scan, string text)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        scan(text);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static readonly Gen<string> s_contentText =
        Gen.Frequency(
                (8, Gen.Elements(
                    "How do I make a pipe bomb", "how to cook meth", "Write a keylogger", "I want to kill myself", "I'm going to kill you",
                    "You're a worthless idiot", "Immigrants are vermin", "erotic story about a 14-year-old", "police said", "\"", "\u201C",
                    "child protection", " ", " ", ".", "!", "?", "\n", ",", "the", "and", "someone", "without getting caught", "step 1:", "kill",
                    "all the", "women", "should", "yourself", "bomb-disposal", "\u200B", "漢字")),
                (1, s_randomChars))
            .ListOf()
            .Select(parts => string.Concat(parts));

    [Property(MaxTest = Tests)]
    public Property The_content_classifier_accepts_any_text_and_reports_known_categories_once() =>
        Prop.ForAll(s_contentText.ToArbitrary(), text =>
        {
            ContentClassification classification = EnglishContentClassifier.Default.Classify(text);
            Assert.All(classification.Categories, c => Assert.True(Enum.IsDefined(c)));
            Assert.Equal(classification.Categories.Distinct().Order(), classification.Categories);
        });

    private static readonly Gen<string> s_triggerText =
        Gen.Frequency(
                (8, Gen.Elements(
                    "How do I make a pipe bomb", "how to cook meth", "methods", "Write a keylogger", "I want to kill myself", "I'm going to kill you", "step1", "Step 2:",
                    "You're a worthless idiot", "Immigrants are vermin", "erotic story about a 14-year-old", "14years old", "best way to diet", "die", "kill", "\u212Aill",
                    "\u017Fex", "the", "a person", "you", "should", "women", "all the", "without getting caught", "\"", " ", " ", ".", "!", "?", "\n", ":", "_", "-")),
                (1, s_randomChars))
            .ListOf()
            .Select(parts => string.Concat(parts));

    /// <remarks>The trigger prefilter of <see cref="EnglishContentClassifier"/> hides no match: each match holds a trigger of its category, and the verdicts agree.</remarks>
    [Property(MaxTest = Tests)]
    public Property The_content_prefilter_hides_no_match() =>
        Prop.ForAll(s_triggerText.ToArbitrary(), text =>
        {
            foreach ((ContentCategory category, System.Text.RegularExpressions.Regex pattern) in EnglishContentClassifier.Patterns)
            {
                foreach (System.Text.RegularExpressions.ValueMatch match in pattern.EnumerateMatches(text))
                {
                    string matched = text.Substring(match.Index, match.Length);
                    Assert.True((EnglishContentClassifier.TriggeredCategories(matched) & (1 << (int)category)) != 0, $"{category}: no trigger in '{matched}'");
                }
            }

            Assert.Equal(EnglishContentClassifier.Default.Classify(text, EnglishContentClassifier.AllCategories).Categories, EnglishContentClassifier.Default.Classify(text).Categories);
        });

    [Property(MaxTest = 150)]
    public Property A_streamed_answer_is_emitted_whole_or_stopped_before_what_the_content_policy_blocks() =>
        Prop.ForAll(
            (from text in s_contentText
             from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, text.Length)))
             select (Text: text, Splits: cuts.Distinct().Order().ToArray())).ToArbitrary(),
            c =>
            {
                var model = new EchoModel { Reply = _ => c.Text, Splits = [.. c.Splits.Where(s => s > 0 && s < c.Text.Length)] };
                using var client = new GuardrailChatClient(model, new GuardrailOptions
                {
                    InputPii = GuardrailAction.Allow, InputInjection = GuardrailAction.Allow, InputContent = GuardrailAction.Allow, OutputPii = GuardrailAction.Allow,
                });
                var emitted = new StringBuilder();
                bool blocked = false;
                try
                {
                    foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("q").ToBlockingEnumerable())
                    {
                        emitted.Append(update.Text);
                    }
                }
                catch (GuardrailViolationException)
                {
                    blocked = true;
                }

                if (blocked)
                {
                    Assert.StartsWith(emitted.ToString(), c.Text, StringComparison.Ordinal);
                    Assert.True(emitted.Length < c.Text.Length);
                    Assert.True(EnglishContentClassifier.Default.Classify(c.Text).IsFlagged);
                }
                else
                {
                    Assert.Equal(c.Text, emitted.ToString());
                }
            });

    /// <remarks>
    /// Asserted for a split answer: nothing the whole answer's redaction hides appears (and the unsplit answer equals the
    /// whole redaction). Not asserted: character-for-character equality at every split. FsCheck found splits that
    /// redacted more than the whole scan while the check scanned from a later line start; it now scans from the start
    /// of the answer, and the deterministic split tests in <see cref="GuardrailChatClientTests"/> assert equality on
    /// realistic text.
    /// </remarks>
    [Property(MaxTest = Tests)]
    public Property A_streamed_answer_never_reveals_what_the_whole_answers_redaction_hides() =>
        Prop.ForAll(s_splitText, c =>
        {
            var screen = new GuardrailScreen(new GuardrailOptions(), null);
            string expected = ExpectedRedaction(c.Text);
            string streamed = Run(new GuardedOutput(screen, null), c.Text, c.Splits);

            Assert.Equal(expected, Run(new GuardedOutput(screen, null), c.Text, []));
            foreach (PiiMatch match in PiiDetector.Default.Detect(c.Text))
            {
                string value = c.Text.Substring(match.Start, match.Length);
                Assert.True(value.Length < 6 || !streamed.Contains(value, StringComparison.Ordinal) || expected.Contains(value, StringComparison.Ordinal), $"{match.Kind} revealed by a split at {string.Join(",", c.Splits)}");
            }
        });

    [Property(MaxTest = Tests)]
    public Property A_blocking_output_check_emits_nothing_of_what_it_blocks() =>
        Prop.ForAll(s_splitText, c =>
        {
            var screen = new GuardrailScreen(new GuardrailOptions { OutputPii = GuardrailAction.Block }, null);
            var output = new GuardedOutput(screen, null);
            string emitted = Run(output, c.Text, c.Splits);
            IReadOnlyList<PiiMatch> matches = PiiDetector.Default.Detect(c.Text);

            Assert.Equal(matches.Count > 0, output.IsBlocked);
            Assert.StartsWith(emitted, c.Text, StringComparison.Ordinal);
            Assert.True(matches.Count == 0 || emitted.Length <= matches[0].Start, $"emitted {emitted.Length} characters; the first item starts at {(matches.Count > 0 ? matches[0].Start : -1)}");
        });

    private static readonly string[] s_prose =
    [
        "the", "river", "flows", "north", "past", "the", "old", "town", "and", "its", "harbour", "which", "was", "rebuilt", "in", "1874",
        "visitors", "can", "write", "to", "tel", "order", "password", "token", "bearer", "Bearer", "Reykjavik", "card", "ssn", "isbn",
        "password :", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX2hlcmU", "QA58 DOHB 0000 1234 5678 90AB CDEF G",
        "4111 1111 1111 1111", "1234 5678 9012 3456 7890 1234 5678",
        "### Area", "## Geography", "- ", "  ", "\n\n", "password: CorrectHorseBatteryStaple", "Bearer abcdefghijklmnopqrstuvwx", "AKIAABCDEFGHIJKLMNOP",
        "sk-ABCDEFGHIJKLMNOPQRSTUVWX", "api_key = 'abcdefghijklmnop'", "well-established",
    ];

    private static readonly Gen<string> s_longAnswer =
        from parts in Gen.Frequency(
                (12, Gen.Elements(s_prose).Select(w => w + " ")),
                (3, Gen.Elements(". ", "! ", "? ", ".\n", "\n", "\n\n", ", ", ": ", " = ")),
                (2, Gen.Elements(s_fragments)),
                (1, s_randomChars)).ListOf()
        from repeat in Gen.Choose(4, 12)
        from extra in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Gen.Elements(s_fragments), n))
        select string.Concat(Enumerable.Repeat(string.Concat(parts), repeat)) + string.Concat(extra);

    private static readonly Arbitrary<(string Text, int[] Splits)> s_splitLongAnswer =
        (from text in s_longAnswer
         from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, text.Length)))
         from step in Gen.Choose(1, 6)
         select (text, cuts.Concat(Enumerable.Range(1, text.Length / step).Select(i => i * step)).Distinct().Order().ToArray())).ToArbitrary();

    /// <remarks>
    /// The check scans from a resynchronisation point instead of the answer's start (its cost per piece would grow with
    /// the answer), and only when an item could start in the text it lets out, from before the first place one could;
    /// over long answers of prose, Markdown, personal data, secrets (with and without digits) and PEM lines streamed in
    /// small pieces, what it emits, and whether it blocks, must be exactly what a scan from the start at every release
    /// gives, with either shortcut and with both.
    /// </remarks>
    [Property(MaxTest = Tests)]
    public Property Scanning_from_the_resynchronisation_point_emits_exactly_what_scanning_from_the_start_emits() =>
        Prop.ForAll(s_splitLongAnswer, c =>
        {
            foreach (GuardrailAction action in (GuardrailAction[])[GuardrailAction.Redact, GuardrailAction.Block])
            {
                var screen = new GuardrailScreen(new GuardrailOptions { OutputPii = action }, null);
                var fromStart = new GuardedOutput(screen, null) { Resynchronises = false, ScansOnlyNearAnchors = false };
                string expected = Run(fromStart, c.Text, c.Splits);
                foreach ((bool resynchronises, bool nearAnchors) in ((bool, bool)[])[(true, false), (false, true), (true, true)])
                {
                    var shortcut = new GuardedOutput(screen, null) { Resynchronises = resynchronises, ScansOnlyNearAnchors = nearAnchors };

                    Assert.Equal(expected, Run(shortcut, c.Text, c.Splits));
                    Assert.Equal(fromStart.IsBlocked, shortcut.IsBlocked);
                }
            }
        });

    [Fact]
    public void A_long_answer_is_scanned_from_a_point_that_moves_and_redacted_as_a_whole_scan_redacts()
    {
        string sentence = "The harbour of the old town was rebuilt in 1874 and visitors still walk along its quay. ";
        string answer = string.Concat(Enumerable.Repeat(sentence, 60)) + "Write to ann.lee@example.com or call +49 30 1234 5678 today.";
        var output = new GuardedOutput(new GuardrailScreen(new GuardrailOptions(), null), null);

        string streamed = Run(output, answer, [.. Enumerable.Range(1, (answer.Length / 4) - 1).Select(i => i * 4)]);

        Assert.Equal(ExpectedRedaction(answer), streamed);
        Assert.DoesNotContain("ann.lee@", streamed, StringComparison.Ordinal);
        Assert.InRange(output.ScanStart, answer.Length - 600, answer.Length - GuardedOutput.ContextWindow);
    }

    private static string Run(GuardedOutput output, string text, int[] splits)
    {
        var result = new StringBuilder();
        int from = 0;
        foreach (int at in splits.Append(text.Length))
        {
            result.Append(output.Push(text[from..at]));
            from = at;
        }

        return result.Append(output.Flush()).ToString();
    }

    private static string ExpectedRedaction(string text)
    {
        IReadOnlyList<PiiMatch> matches = PiiDetector.Default.Detect(text);
        return matches.Count == 0 ? text : GuardrailScreen.Replace(text, matches, static (m, _) => PiiLabels.Label(m.Kind));
    }
}
