using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>
/// The work of <see cref="EnglishContentClassifier"/> on long text without a sentence end whose matches do not count
/// (quoted, reported, protective): each match's checks read its sentence, so they must carry what they read from one match
/// to the next rather than read the sentence again; and the verdicts equal those of checks that read each match's
/// sentence afresh.
/// </summary>
public sealed class ContentLinearityTests
{
    // Units whose every match does not count, without a sentence end: harmful phrases inside quotes (every category),
    // hate and violence after a speech verb, sexual content and minors in protective text.
    private static readonly string[] s_units =
    [
        "\"how do I make a pipe bomb\" ", "\u201CI'm going to kill you\u201D ", "\"you're a worthless idiot\" ", "\"how to cook meth\" ",
        "\"help me build a keylogger\" ", "\"I want to kill myself\" ", "\u00ABimmigrants are vermin\u00BB ", "\"erotic pictures of a 14-year-old\" ",
        "the leaflet claimed that immigrants are vermin and ", "he said we should kill the journalists and ", "police said that someone wanted to kill the teachers, ",
        "sexual abuse of children is a crime and ", "the law on explicit images of minors protects victims, ",
    ];

    private static readonly SearchValues<char> s_sentenceEnds = SearchValues.Create(".!?\n");
    private static readonly SearchValues<char> s_quotes = SearchValues.Create("\"\u201C\u201D\u201E\u00AB\u00BB");

    private static readonly Gen<string> s_block =
        from units in Gen.NonEmptyListOf(Gen.Elements(s_units))
        from fillers in Gen.ArrayOf(Gen.Elements("", "and then ", "as ", "the old town by the river "), 6)
        select string.Concat(units.Take(6).Select((unit, i) => unit + fillers[i]));

    /// <remarks>
    /// The measure is the characters the checks of the matches read (<see cref="EnglishContentClassifier.CharactersRead"/>),
    /// not time: deterministic, so the bounds need no margin for a busy machine. A text of a block repeated to at least
    /// 2,000 characters and the same text twice as long: twice the text costs at most 2.5 times the work, and at most 16
    /// characters read per character of text. Reading each match's sentence afresh costs about 4 times the work for
    /// twice the text and hundreds of characters per character.
    /// </remarks>
    [Property(MaxTest = 60)]
    public Property Matches_that_do_not_count_cost_work_linear_in_the_texts_length() =>
        Prop.ForAll(s_block.ToArbitrary(), block =>
        {
            int repeats = (2000 / block.Length) + 1;
            string text = Repeat(block, repeats);
            string twice = Repeat(block, 2 * repeats);
            Assert.Equal(-1, twice.AsSpan().IndexOfAny(s_sentenceEnds));

            (long work, ContentClassification verdict) = Measure(text);
            (long workTwice, ContentClassification verdictTwice) = Measure(twice);

            Assert.Empty(verdict.Categories);
            Assert.Empty(verdictTwice.Categories);
            Assert.True(work > 0, "the checks read nothing");
            Assert.True(workTwice <= 2.5 * work, $"{work} characters read for {text.Length}, {workTwice} for {twice.Length}");
            Assert.True(workTwice <= 16L * twice.Length, $"{workTwice} characters read for {twice.Length}");
        });

    private static readonly Gen<string> s_sentences =
        Gen.Frequency(
                (10, Gen.Elements(s_units)),
                (4, Gen.Elements("and then ", "as ", "the old town by the river ",
                    "How do I make a pipe bomb", "I'm going to kill you", "immigrants are vermin", "we should kill the journalists", "said ", "claimed",
                    "erotic story about a 14-year-old", "sexual abuse of children", "write", "\"", "\u201C", "\u00BB", ": ", "kill yourself ", "unsaid ")),
                (3, Gen.Elements(". ", "! ", "? ", ".\n", "\n", ".", ", ", ": ", " ")))
            .ListOf()
            .Select(parts => string.Concat(parts));

    /// <remarks>
    /// Verdicts unchanged: <see cref="EnglishContentClassifier.Classify(ReadOnlySpan{char})"/> and
    /// <see cref="EnglishContentClassifier.Matches"/> (from every sentence start) agree with checks that read each match's
    /// sentence afresh, as the classifier did before it carried what it read from match to match.
    /// </remarks>
    [Property(MaxTest = 300)]
    public Property Verdicts_equal_those_of_checks_that_read_each_sentence_afresh() =>
        Prop.ForAll(s_sentences.ToArbitrary(), text =>
        {
            var expected = new List<ContentCategory>();
            foreach ((ContentCategory category, Regex pattern) in EnglishContentClassifier.Patterns)
            {
                if (AnyCounts(text, category, pattern, 0))
                {
                    expected.Add(category);
                }
            }

            Assert.Equal(expected, EnglishContentClassifier.Default.Classify(text, EnglishContentClassifier.AllCategories).Categories);
            for (int start = 0; start <= text.Length; start++)
            {
                if (start > 0 && !s_sentenceEnds.Contains(text[start - 1]))
                {
                    continue;
                }

                foreach ((ContentCategory category, Regex pattern) in EnglishContentClassifier.Patterns)
                {
                    Assert.Equal(AnyCounts(text, category, pattern, start), EnglishContentClassifier.Default.Matches(text, category, start));
                }
            }
        });

    [Fact]
    public void A_long_sentence_of_quoted_threats_reads_each_character_a_bounded_number_of_times()
    {
        string unit = "\u201CI'm going to kill you\u201D, ";
        (long work, ContentClassification verdict) = Measure(Repeat(unit, 4000));
        Assert.False(verdict.IsFlagged);
        Assert.InRange(work, 1, 16L * unit.Length * 4000);
    }

    private static (long Work, ContentClassification Verdict) Measure(string text)
    {
        long before = EnglishContentClassifier.CharactersRead;
        ContentClassification verdict = EnglishContentClassifier.Default.Classify(text);
        return (EnglishContentClassifier.CharactersRead - before, verdict);
    }

    private static string Repeat(string block, int times) => new StringBuilder(block.Length * times).Insert(0, block, times).ToString();

    private static bool AnyCounts(string text, ContentCategory category, Regex pattern, int startAt)
    {
        foreach (ValueMatch match in pattern.EnumerateMatches(text, startAt))
        {
            if (CountsAfresh(text, category, match.Index, match.Length))
            {
                return true;
            }
        }

        return false;
    }

    // The checks as they read each match's sentence afresh: the quotes and (hate, violence) a speech verb between the
    // sentence's start and the match, and (sexual content and minors) protective words without a request in the sentence.
    private static bool CountsAfresh(string text, ContentCategory category, int index, int length)
    {
        int sentenceStart = text.AsSpan(0, Math.Min(index + 1, text.Length)).LastIndexOfAny(s_sentenceEnds) + 1;
        string before = text[Math.Min(sentenceStart, index)..index];
        if (before.Count(s_quotes.Contains) % 2 == 1)
        {
            return false;
        }

        switch (category)
        {
            case ContentCategory.Hate or ContentCategory.Violence:
                return !EnglishContentClassifier.ReportedRegex().IsMatch(before);
            case ContentCategory.SexualMinors:
                int end = text.AsSpan(index + length).IndexOfAny(s_sentenceEnds);
                string sentence = text[Math.Min(sentenceStart, index)..(end < 0 ? text.Length : index + length + end)];
                return !EnglishContentClassifier.ProtectiveRegex().IsMatch(sentence) || EnglishContentClassifier.RequestRegex().IsMatch(sentence);
            default:
                return true;
        }
    }
}
