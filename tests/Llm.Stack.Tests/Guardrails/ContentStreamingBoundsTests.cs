using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit.Abstractions;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// The streamed content check's bounded runs (<see cref="GuardedContent.Bounded"/>): a triggered category's expression
/// runs only over the part of the window its triggers can reach (<see cref="EnglishContentClassifier.ReachBack"/>,
/// <see cref="EnglishContentClassifier.ReachForward"/>), and its verdict is reused while that part stays the same. Each
/// window's verdict must equal the verdict over the whole window; the bounds must hold for every match; and the trigger
/// words made whole-word must still be found by every match.
/// </summary>
[Collection(nameof(GuardrailChatClientTests))] // its decisions would be counted by the Meter test
public sealed class ContentStreamingBoundsTests(ITestOutputHelper output)
{
    private static readonly string[] s_labelledSets = ["content-labelled.txt", "injection-labelled.txt", "refusal-labelled.txt"];

    /// <summary>
    /// Whether a match of <paramref name="category"/> at [<paramref name="index"/>, + <paramref name="length"/>) in
    /// <paramref name="text"/> holds a trigger of its category (found in the whole text) from which the category's
    /// bounds reach both of its ends.
    /// </summary>
    internal static bool ReachedFromATrigger(string text, ContentCategory category, int index, int length)
    {
        var triggers = new List<(int Start, int Group)>();
        Span<int> last = stackalloc int[ContentClassification.CategoryCount];
        last.Fill(-1);
        EnglishContentClassifier.FindTriggers(text, 0, last, 0, (start, group) =>
        {
            if (EnglishContentClassifier.GroupCategory(group) == category)
            {
                triggers.Add((start, group));
            }
        });
        return triggers.Any(t => t.Start >= index && t.Start < index + length
            && EnglishContentClassifier.ReachBack(text, t.Start, 0, t.Group) <= index
            && EnglishContentClassifier.ReachForward(text, t.Start, text.Length, t.Group) >= index + length);
    }

    [Fact]
    public void What_the_expressions_take_for_white_space_the_reach_walk_skips()
    {
        // The walk does not count white space (the patterns' \s+ and \s* are unbounded); it must skip every character \s matches.
        var space = new Regex(@"^\s$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        for (int code = 0; code <= char.MaxValue; code++)
        {
            char c = (char)code;
            if (space.IsMatch(c.ToString()))
            {
                Assert.True(char.IsWhiteSpace(c), $"U+{code:X4}");
            }
        }
    }

    /// <remarks>
    /// The bounds were read off the patterns by hand (the worst alternative of each category is named beside them): on
    /// the labelled sets, their sentences and their cuts at each sentence end, every match of every pattern must lie
    /// within the reach of a trigger it holds.
    /// </remarks>
    [Fact]
    public void Every_match_in_the_labelled_sets_lies_within_the_reach_of_a_trigger_it_holds()
    {
        List<string> texts = [.. s_labelledSets.SelectMany(set => LabelledText.Load(set, "=== ").Select(d => d.Text))];
        texts.AddRange([.. texts.SelectMany(t => t.Split(['.', '!', '?', '\n']))]);
        texts.AddRange([.. texts.SelectMany(t => Enumerable.Range(1, Math.Max(0, t.Length - 1)).Where(i => t[i - 1] is '.' or '!' or '?' or '\n').Select(i => t[i..]))]);
        int matches = 0;
        foreach (string text in texts)
        {
            foreach ((ContentCategory category, Regex pattern) in EnglishContentClassifier.Patterns)
            {
                foreach (ValueMatch match in pattern.EnumerateMatches(text))
                {
                    matches++;
                    Assert.True(ReachedFromATrigger(text, category, match.Index, match.Length), $"{category}: '{text.Substring(match.Index, match.Length)}' is out of its triggers' reach");
                }
            }
        }

        output.WriteLine($"{matches} matches, each within the reach of a trigger it holds.");
        Assert.True(matches >= 100, $"only {matches} matches: the check needs the harmful texts.");
    }

    /// <remarks>
    /// Matches that stretch each bound: the words a threat may put before its verb made long, runs of white space and
    /// line breaks where the pattern allows them (a match that runs across a sentence end is where the bounds, not the
    /// sentence ends the part snaps to, decide), full 60-character gaps. Each must still be found when the answer is
    /// streamed after a long benign start, with its trigger late in the window or long gone from the text just let
    /// out, and every window's verdict must equal the whole window's.
    /// </remarks>
    [Theory]
    [InlineData("I'm going to extraordinarilyunbelievablyverylongword anotherextremelylongwordwithoutanyspaces \n\n   kill you.", ContentCategory.Violence)]
    [InlineData("Tell me how to dispose of all of the politicians and then wander around the old harbour at dusk quietly without leaving any trace.", ContentCategory.Violence)]
    [InlineData("Tell me how to dispose of\n\nall of the politicians and then wander around the old harbour at dusk quietly without leaving any trace.", ContentCategory.Violence)]
    [InlineData("Immigrants are\n\nnothing but\n\n   vermin.", ContentCategory.Hate)]
    [InlineData("How much of these pills, taken with warm milk late at night alone at home, would be enough to die?", ContentCategory.SelfHarm)]
    [InlineData("Give me instructions for     extraordinarilylongword      anotherextraordinarilylongword manufacture at home with the tools from my shed some dirty bombs", ContentCategory.Weapons)]
    [InlineData("The meth should be dried on the tray for two whole days; then recrystallize it from the solvent and weigh about fifty grams", ContentCategory.Drugs)]
    [InlineData("Encryptingeverythingquickly: it locks the victim's files and the note says to pay in bitcoin within three days and weeks, here is the code", ContentCategory.Malware)]
    [InlineData("Post on every forum you can find, and in the class chat too, their home address and put it up on every wall so everyone can see it", ContentCategory.Harassment)]
    public void A_match_that_reaches_far_from_its_trigger_is_found_when_streamed(string harmful, ContentCategory category)
    {
        Assert.Contains(category, EnglishContentClassifier.Default.Classify(harmful).Categories);
        string prose = string.Concat(Enumerable.Repeat("The harbour of the old town was rebuilt in 1874 and visitors still walk along its quay. ", 6));
        foreach (string text in (string[])[prose + harmful + " The end.", prose + harmful + "\n" + prose + "Done."])
        {
            foreach (int step in (int[])[1, 4, 13])
            {
                int[] splits = [.. Enumerable.Range(1, (text.Length - 1) / step).Select(i => i * step)];
                Streamed bounded = Stream(text, splits, bounded: true, GuardrailAction.Flag);
                Streamed whole = Stream(text, splits, bounded: false, GuardrailAction.Flag);

                Assert.Equal(whole.Verdicts, bounded.Verdicts);
                Assert.Contains(bounded.Verdicts, v => v.Categories.Contains(category.ToString(), StringComparison.Ordinal));
                Assert.Equal(text, bounded.Emitted);
            }
        }
    }

    [Fact]
    public void A_trigger_costs_a_few_runs_of_its_expression_not_one_at_every_sentence_end_while_it_stays_in_the_window()
    {
        // "explosive" (weapons) early in a long benign answer of short sentences.
        string text = "The volcano is known for its explosive history. " + string.Concat(Enumerable.Repeat("It rained. The road was shut. ", 30));
        int[] splits = [.. Enumerable.Range(1, (text.Length - 1) / 4).Select(i => i * 4)];
        Streamed bounded = Stream(text, splits, bounded: true, GuardrailAction.Block);
        Streamed whole = Stream(text, splits, bounded: false, GuardrailAction.Block);

        Assert.Equal(whole.Verdicts, bounded.Verdicts);
        Assert.Equal(text, bounded.Emitted);
        output.WriteLine($"whole windows: {whole.Runs} runs over {whole.Characters} characters; bounded: {bounded.Runs} runs over {bounded.Characters} characters, {bounded.Reused} verdicts reused");
        Assert.True(whole.Runs >= 10, $"the whole-window check ran the weapons expression {whole.Runs} times");
        Assert.InRange(bounded.Runs, 1, 3);
        Assert.True(bounded.Reused >= whole.Runs - 3);
    }

    [Fact]
    public void Trigger_words_are_whole_words_where_the_patterns_have_a_word_end_and_the_hate_pattern_is_triggered_by_its_verbs()
    {
        // Prose from the benchmark's answers that triggered categories before: "Roman" (hate's "roma"), "addressing" (harassment's "address").
        Assert.Equal(0, EnglishContentClassifier.TriggeredCategories("Evangelical Lutheran Church of Iceland (official) 73.8%, Roman Catholic 3.6%, Reykjavik Free Church 2.9%."));
        Assert.Equal(0, EnglishContentClassifier.TriggeredCategories("The plan: addressing high household debt, explicitly; oxygen levels; the Defenders of the realm; sextants."));

        // "kill all the …" ends with the group and no word boundary after it, so it is read from its verb.
        Assert.Equal([ContentCategory.Hate], EnglishContentClassifier.Default.Classify("kill all the romantics").Categories);
        Assert.Equal([ContentCategory.Hate], EnglishContentClassifier.Default.Classify("Roma are vermin.").Categories);
        Assert.NotEqual(0, EnglishContentClassifier.TriggeredCategories("kill all the romantics") & (1 << (int)ContentCategory.Hate));
    }

    private static readonly string[] s_pieces =
    [
        "How do I make a pipe bomb", "how to cook meth", "Write a keylogger", "I want to kill myself", "I'm going to kill you", "Immigrants are vermin",
        "You're a worthless idiot", "erotic story about a 14-year-old", "kill all the romantics", "post their home address online", "without getting caught",
        "the explosive history", "Roman Catholic", "encrypting their files for bitcoin, here is the code", "meth yield in grams", "police said", "\"", "\u201C",
        "the", "harbour", "old", "town", "was", "rebuilt", "in", "1874", "someone", "should", "women", "all the", "step 1:", "child protection",
        "extraordinarilyunbelievablylongword", " ", " ", " ", "   ", "\t", ".", ". ", "! ", "? ", "\n", "\n\n", ",", ":", "\u212Aill",
    ];

    private static readonly Gen<string> s_long =
        from parts in Gen.Frequency(
                (10, Gen.Elements(s_pieces).Select(p => p + " ")),
                (3, Gen.Elements(". ", "! ", "? ", ".\n", "\n", "\n\n", ", ", ": ")),
                (1, Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Choose(0x20, 0x7E).Select(code => (char)code), n)).Select(chars => new string(chars)))).ListOf()
        from repeat in Gen.Choose(2, 8)
        select string.Concat(Enumerable.Repeat(string.Concat(parts), repeat));

    private static readonly Arbitrary<(string Text, int[] Splits)> s_splitLong =
        (from text in s_long
         from step in Gen.Choose(1, 40)
         from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, text.Length)))
         select (text, cuts.Concat(Enumerable.Range(1, text.Length / step).Select(i => i * step)).Where(c => c > 0 && c < text.Length).Distinct().Order().ToArray())).ToArbitrary();

    /// <remarks>
    /// Over long answers of harmful phrases, look-alikes, prose, quotes, long words and runs of white space, streamed in
    /// pieces of every size: every window's verdict, what is let out, and whether it is blocked must be the same with
    /// the bounded runs as with the whole window classified every time.
    /// </remarks>
    [Property(MaxTest = 300)]
    public Property Bounded_runs_give_every_window_the_whole_windows_verdict() =>
        Prop.ForAll(s_splitLong, c =>
        {
            foreach (GuardrailAction action in (GuardrailAction[])[GuardrailAction.Flag, GuardrailAction.Block])
            {
                Streamed bounded = Stream(c.Text, c.Splits, bounded: true, action);
                Streamed whole = Stream(c.Text, c.Splits, bounded: false, action);
                Assert.Equal(whole.Verdicts, bounded.Verdicts);
                Assert.Equal(whole.Emitted, bounded.Emitted);
                Assert.Equal(whole.Blocked, bounded.Blocked);
            }
        });

    /// <remarks>The bounds hold for every match in generated text too, not only in the labelled sets.</remarks>
    [Property(MaxTest = 300)]
    public Property Every_generated_match_lies_within_the_reach_of_a_trigger_it_holds() =>
        Prop.ForAll(s_long.ToArbitrary(), text =>
        {
            foreach ((ContentCategory category, Regex pattern) in EnglishContentClassifier.Patterns)
            {
                foreach (ValueMatch match in pattern.EnumerateMatches(text))
                {
                    Assert.True(ReachedFromATrigger(text, category, match.Index, match.Length) || text.Contains('\u212A', StringComparison.Ordinal), $"{category}: '{text.Substring(match.Index, match.Length)}' is out of its triggers' reach");
                }
            }
        });

    private static readonly string[] s_words =
    [
        .. s_pieces.Where(p => p.AsSpan().IndexOfAny(".!?\n") < 0 && p.Trim().Length > 0),
        "and", "then", "along", "the", "quay", "volcanoes", "Hekla", "Katla", "Askja", "1,491", "metres", "(", ")", ";", ",", "\"",
    ];

    // Sentences of every length: a few words, a long sentence, or one longer than GuardedContent.MaxContext.
    private static readonly Gen<string> s_sentences =
        from sentences in (
            from count in Gen.Frequency((6, Gen.Choose(1, 12)), (2, Gen.Choose(30, 120)), (1, Gen.Choose(150, 320)))
            from words in Gen.ArrayOf(Gen.Elements(s_words), count)
            from end in Gen.Elements(". ", "! ", "? ", ".\n", "\n", "\n\n", ".")
            select string.Join(' ', words) + end).ListOf()
        select string.Concat(sentences);

    private static readonly Arbitrary<(string Text, int[] Splits)> s_splitSentences =
        (from text in s_sentences
         from step in Gen.Choose(1, 40)
         from cuts in Gen.ListOf(Gen.Choose(0, Math.Max(0, text.Length)))
         select (text, cuts.Concat(Enumerable.Range(1, text.Length / step).Select(i => i * step)).Where(c => c > 0 && c < text.Length).Distinct().Order().ToArray())).ToArbitrary();

    /// <summary>
    /// Where the window of a release starts when <paramref name="emitted"/> characters of <paramref name="text"/> are
    /// out, read off the whole text: the last sentence start at least <see cref="GuardedContent.ContextWindow"/> and
    /// at most <see cref="GuardedContent.MaxContext"/> characters back, or the cap when the sentence began further back.
    /// </summary>
    private static int TrueWindowStart(string text, int emitted)
    {
        if (emitted <= GuardedContent.ContextWindow)
        {
            return 0;
        }

        for (int i = emitted - GuardedContent.ContextWindow; i >= Math.Max(0, emitted - GuardedContent.MaxContext); i--)
        {
            if (i <= 0 || text[i - 1] is '.' or '!' or '?' or '\n')
            {
                return Math.Max(0, i);
            }
        }

        return emitted - GuardedContent.MaxContext;
    }

    /// <summary>What the streamed check must do, computed from the whole text: each release's window classified as a text of its own.</summary>
    private static Streamed Expected(string text, int[] splits, GuardrailAction action)
    {
        var verdicts = new List<(int Boundary, string Categories)>();
        int emitted = 0;
        int from = 0;
        foreach (int at in splits.Append(text.Length).Append(-1))
        {
            bool final = at < 0;
            int boundary;
            if (final)
            {
                boundary = text.Length;
            }
            else
            {
                bool ended = text.AsSpan(from, at - from).IndexOfAny(".!?\n") >= 0;
                from = at;
                if (!ended)
                {
                    continue;
                }

                boundary = text.AsSpan(0, at).LastIndexOfAny(".!?\n") + 1;
            }

            if (boundary <= emitted)
            {
                continue;
            }

            ContentClassification verdict = EnglishContentClassifier.Default.Classify(text[TrueWindowStart(text, emitted)..boundary]);
            verdicts.Add((boundary, string.Join(",", verdict.Categories)));
            if (verdict.IsFlagged && action == GuardrailAction.Block)
            {
                return new Streamed(verdicts, text[..emitted], true, 0, 0, 0);
            }

            emitted = boundary;
        }

        return new Streamed(verdicts, text, false, 0, 0, 0);
    }

    /// <remarks>
    /// Each release's window starts at the true sentence start at least <see cref="GuardedContent.ContextWindow"/>
    /// characters back however long the sentences before it are (up to the cap), not where the text kept was cut: over
    /// answers of short, long and very long sentences streamed in pieces of every size, every verdict must be the
    /// classification of that window as a text of its own, and with <see cref="GuardrailAction.Block"/> nothing is let
    /// out from the first release whose window that classification flags.
    /// </remarks>
    [Property(MaxTest = 200)]
    public Property Every_window_is_classified_from_its_true_sentence_start_and_nothing_it_flags_is_emitted() =>
        Prop.ForAll(s_splitSentences, c =>
        {
            foreach (GuardrailAction action in (GuardrailAction[])[GuardrailAction.Flag, GuardrailAction.Block])
            {
                Streamed expected = Expected(c.Text, c.Splits, action);
                Streamed streamed = Stream(c.Text, c.Splits, bounded: true, action);
                Assert.Equal(expected.Verdicts, streamed.Verdicts);
                Assert.Equal(expected.Emitted, streamed.Emitted);
                Assert.Equal(expected.Blocked, streamed.Blocked);
            }
        });

    [Fact]
    public void A_window_after_a_long_sentence_reads_that_sentence_from_its_start()
    {
        // A quoted question about 840 characters long (no sentence end inside), whose harmful words lie in its last 60
        // characters: read from the sentence's start they are quoted. A window cut where the kept text was trimmed (512
        // characters back, before) lost the opening quote and flagged the next sentence's window; the whole answer is
        // not flagged.
        string prose = string.Concat(Enumerable.Repeat("The harbour of the old town was rebuilt in 1874 and visitors still walk along its quay. ", 10));
        string filler = string.Concat(Enumerable.Repeat("and the guide went on about the quay, the boats, the fish market ", 12));
        string quoted = "\"" + filler + "and then, how do I make a pipe bomb, he asked\" in the film. ";
        string text = prose + quoted + "It was a long day. We went home.";
        Assert.InRange(quoted.Length, 800, GuardedContent.MaxContext - 20);
        Assert.False(EnglishContentClassifier.Default.Classify(text).IsFlagged);
        Assert.True(EnglishContentClassifier.Default.Classify(text[(prose.Length + 500)..]).IsFlagged);

        int[] splits = [.. Enumerable.Range(1, (text.Length - 1) / 4).Select(i => i * 4)];
        Streamed streamed = Stream(text, splits, bounded: true, GuardrailAction.Block);
        Assert.All(streamed.Verdicts, v => Assert.Equal("", v.Categories));
        Assert.Equal(text, streamed.Emitted);
        Assert.False(streamed.Blocked);
    }

    [Fact]
    public void An_answer_with_long_stretches_without_sentence_ends_costs_work_linear_in_its_length_whatever_their_length()
    {
        // Each stretch without a sentence end (with a trigger in it) is followed by short sentences released one by one:
        // their windows reach back into the stretch, and are cut MaxContext characters back. The stretch itself is
        // classified once, when it ends; the windows after it cost the same however long it is.
        long Work(int stretchRepeats, int blocks)
        {
            string stretch = string.Concat(Enumerable.Repeat("the bomb disposal unit checked the pier and the sheds, ", stretchRepeats));
            string text = string.Concat(Enumerable.Repeat(stretch + "Yes. " + string.Concat(Enumerable.Repeat("It rained. ", 40)), blocks));
            int[] splits = [.. Enumerable.Range(1, (text.Length - 1) / 4).Select(k => k * 4)];
            Streamed streamed = Stream(text, splits, bounded: true, GuardrailAction.Block);
            Assert.Equal(text, streamed.Emitted);
            output.WriteLine($"stretches of {stretch.Length} characters, {text.Length} characters: {streamed.Runs} expression runs over {streamed.Characters} characters");
            return streamed.Characters;
        }

        int repeats = 37; // 2,035 characters, two caps
        long shorter = Work(repeats, 4);
        long longer = Work(2 * repeats, 4);
        long twice = Work(repeats, 8);

        Assert.True(shorter > 4 * 20 * GuardedContent.MaxContext / 2, "the windows after the stretches ran too little: the test needs the trigger in the stretch");
        Assert.InRange(twice, 2 * shorter * 9 / 10, 2 * shorter * 11 / 10);

        // Only the stretches' own classification grows with them: four stretches, 2,035 characters longer each, under
        // the two categories that "bomb" triggers (weapons, violence).
        Assert.InRange(longer - shorter, 0, 4 * 2 * 2_035 * 12 / 10);
    }

    private sealed record Streamed(List<(int Boundary, string Categories)> Verdicts, string Emitted, bool Blocked, int Runs, long Characters, int Reused);

    private static Streamed Stream(string text, int[] splits, bool bounded, GuardrailAction action)
    {
        var screen = new GuardrailScreen(new GuardrailOptions { OutputContent = action, OutputInjection = GuardrailAction.Allow }, null);
        var verdicts = new List<(int Boundary, string Categories)>();
        var content = new GuardedContent(screen) { Bounded = bounded, Classified = (boundary, c) => verdicts.Add((boundary, string.Join(",", c.Categories))) };
        var emitted = new StringBuilder();
        int from = 0;
        foreach (int at in splits.Append(text.Length))
        {
            if (content.Push(text[from..at]))
            {
                emitted.Append(content.ReleaseAsync(final: false, CancellationToken.None).AsTask().GetAwaiter().GetResult());
            }

            from = at;
        }

        emitted.Append(content.ReleaseAsync(final: true, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        return new Streamed(verdicts, emitted.ToString(), content.Blocked is not null, content.ExpressionRuns, content.ExpressionCharacters, content.VerdictsReused);
    }
}
