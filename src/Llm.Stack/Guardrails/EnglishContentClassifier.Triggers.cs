using System.Buffers;

namespace Llm.Stack;

/// <summary>
/// The prefilter of <see cref="EnglishContentClassifier"/>: for each category, words at least one of which every match
/// of its pattern holds. One vectorized search for all of them decides which categories' expressions need to run; a
/// text without any runs none.
/// </summary>
/// <remarks>
/// <para>
/// The lists are read off the patterns alternative by alternative: for each alternative, one group of literals it
/// cannot match without (the harmful object, the group named, the insult), written as the literal or a part of it. A
/// leading <c>&lt;</c> says that the pattern has a word boundary, white space or a sentence end before the literal, so
/// an occurrence preceded by an ASCII letter or <c>_</c> cannot be part of a match (a digit is allowed: the "step 1"
/// prefix of a request can end in one). A trailing <c>&gt;</c> says that the pattern has a word boundary or white space
/// right after it, so an occurrence followed by an ASCII letter, digit or <c>_</c> cannot be part of a match. No
/// literal holds a sentence end (<c>.</c>, <c>!</c>, <c>?</c>, a line break).
/// </para>
/// <para>
/// The patterns match case-insensitively under the invariant culture, where the KELVIN SIGN counts as <c>k</c>; an
/// ordinal case-insensitive search does not fold it, so a text holding it runs every category (a test checks that no
/// other character folds into an ASCII letter for the patterns and not for the search).
/// </para>
/// <para>
/// Each category also has bounds on how far a match reaches before and after the start of the trigger it is read from,
/// counted in characters that are not white space, less the few runs of them that the patterns' unbounded words may
/// take (<see cref="ReachBack"/>, <see cref="ReachForward"/>): the streamed check runs a category's expression only over
/// the part of its window that its triggers reach. Tests check on the labelled sets and on generated text that every
/// match lies within the reach of a trigger it holds.
/// </para>
/// </remarks>
public sealed partial class EnglishContentClassifier
{
    /// <summary>The bit mask of every category.</summary>
    internal const int AllCategories = (1 << ContentClassification.CategoryCount) - 1;

    private const string GroupTriggers =
        "<jews>|<jewish people>|<muslims>|<christians>|<hindus>|<sikhs>|<blacks>|<black people>|<whites>|<white people>|<asians>|<arabs>|<mexicans>|<latinos>|<hispanics>|<immigrants>|<migrants>|<refugees>|<gays>|<gay people>|<lesbians>|<homosexuals>|<trans people>|<transgender people>|<women>|<africans>|<chinese people>|<indians>|<gypsies>|<roma>|<catholics>|<disabled people>|<the disabled>";

    // Each category's triggers in groups, with how far a match reaches before the start of the trigger it is read from
    // and from that start on (its alternatives' worst case named). Read off the patterns alternative by alternative:
    // white space is unbounded (\s+, \s*); the other characters are bounded by the literals, the gaps ([^.!?\n]{0,60})
    // and the optional groups, except for \w+ (the words of "(?:\w+\s+){0,2}"), \w* (the endings of "porn\w*") and \d+
    // (the number of "step 1"), each of which lies in one run of them. A trigger is in one group of its category.
    private static readonly TriggerGroup[] s_groups =
    [
        // Hate: the group (the first and third alternatives: a white-space run follows it; "transgender people are no
        // better than <word> genetically inferior").
        new(ContentCategory.Hate, GroupTriggers, new(0, 0), new(51, 1)),

        // Hate: the verb of "kill all the …" (the group ends that match with no word boundary after it: "kill all the
        // romantics" matches; "exterminate every last one of the filthy transgender people").
        new(ContentCategory.Hate, "<kill>|<exterminate>|<gas>|<wipe out>|<get rid of>|<eradicate>|<purge>|<deport>|<hang>|<lynch>|<shoot>", new(0, 0), new(52, 0)),
        new(ContentCategory.Hate, "<go back to>", new(0, 0), new(24, 0)),

        // Harassment: the insult ("you are nothing but nothing but nothing but …", "piece of garbage", "retard\w*").
        new(ContentCategory.Harassment, "<worthless>|<pathetic>|<disgusting>|<idiot>|<idiots>|<moron>|<morons>|<loser>|<losers>|<piece of>|<waste of>|<stupid>|<retard|<freak>|<failure>|<whore>|<slut>|<bitch>|<cunt>|<scum>|<trash>|<garbage>|<dumbass>|<subhuman>", new(36, 0), new(14, 1)),
        new(ContentCategory.Harassment, "<i know where you", new(0, 0), new(23, 0)),
        new(ContentCategory.Harassment, "<hates you|<laughs at you", new(9, 0), new(11, 0)),
        new(ContentCategory.Harassment, "<likes you|<loves you|<wants you|<would miss you", new(6, 0), new(12, 0)),
        new(ContentCategory.Harassment, "<yourself>", new(14, 0), new(8, 0)),
        new(ContentCategory.Harassment, "<kys>", new(0, 0), new(3, 0)),
        new(ContentCategory.Harassment, "<better without you", new(15, 0), new(16, 0)),

        // Harassment: the item posted ("publish … their home address … teach them a lesson").
        new(ContentCategory.Harassment, "<address>|<nudes>|<phone number>|<private photos>", new(76, 0), new(89, 0)),

        // Harassment: the insult written ("compose … humiliat\w* … him about his disability").
        new(ContentCategory.Harassment, "<insult>|<humiliat|<degrad|<bully|<harass|<mock", new(67, 0), new(89, 1)),

        // Violence: the act of threats, calls, plans and requests ("somebody ought to <word> <word> exterminate all of the the president").
        new(ContentCategory.Violence, "<kill>|<hurt>|<beat>|<rape>|<shoot>|<stab>|<strangle>|<murder>|<slit>|<break>|<lynch>|<behead>|<bomb>|<burn>|<massacre>|<slaughter>|<execute>|<hang>|<exterminate>|<wipe out>|<get rid of>|<attack>|<blow up>|<poison>|<suffocate>|<torture>|<kidnap>|<maim>|<drown>", new(15, 2), new(33, 0)),

        // Violence: getting away with it ("dispose of all of the the president … without leaving any trace").
        new(ContentCategory.Violence, "<without getting caught|<without being caught|<without leaving|<without anyone", new(92, 0), new(22, 0)),

        // Self-harm: the act, the insult ("the most effective methods to commit suicide", "take my own life").
        new(ContentCategory.SelfHarm, "<myself|<yourself|<end my|<end it all|<end things|<end your life|<suicide|<take my|<jump off|<slit my wrists|<stop eating|<kys>", new(28, 2), new(14, 0)),

        // Self-harm: the dose's outcome ("how much <word> <word> <word> milligrams … would be enough to die").
        new(ContentCategory.SelfHarm, "<die|<overdose|<to kill|<lethal|<fatal", new(92, 3), new(18, 0)),

        // Self-harm: the hiding ("hiding your self-harm … from"), the communities' words.
        new(ContentCategory.SelfHarm, "<cuts|<scars|<self-harm", new(10, 0), new(73, 0)),
        new(ContentCategory.SelfHarm, "<pro-ana|<thinspo", new(0, 0), new(7, 1)),

        // Sexual content involving minors: the sexual term of both alternatives ("seventeen-years-olds … have sex";
        // "intercourse … stepdaughter who is 17").
        new(ContentCategory.SexualMinors, "<sex>|<sexual>|<sexually>|<sexy>|<erotic>|<explicit>|<nude>|<nudes>|<naked>|<porn|<nsfw>|<seduc|<aroused>|<orgasm|<intercourse>|<molest|<lewd>|<fetish|<undress|<striptease>|<genital>|<genitals>|<make out with>", new(84, 0), new(91, 1)),

        // Weapons: the weapon or agent (a request of "instructions for" and two words, "manufacture", a gap, "dirty bombs";
        // "untraceable firearms"), and what fills the pipe ("explosive").
        new(ContentCategory.Weapons, "<bomb|<explosive|<ied|<grenade|<detonator|<napalm|<thermite|<nerve agent|<sarin|<vx|<tabun|<ricin|<anthrax|<botulinum|<mustard gas|<chlorine gas|<chemical weapon|<bioweapon|<biological weapon|<ghost gun|<untraceable|<silencer|<suppressor|<full-auto|<full auto|<fully automatic|<auto sear|<molotov|<tatp|<acetone peroxide|<suicide vest", new(91, 2), new(19, 0)),

        // Weapons: what fills the pipe ("stuff the pressure cooker … shrapnel").
        new(ContentCategory.Weapons, "<powder|<nails|<shrapnel", new(82, 0), new(15, 0)),

        // Weapons: the mixed ingredient, which may also fill the pipe ("hydrogen peroxide and acetone … detonat\w*").
        new(ContentCategory.Weapons, "<ammonium nitrate|<potassium chlorate|<hydrogen peroxide and acetone|<acetone and hydrogen peroxide|<fuel oil", new(82, 0), new(93, 1)),

        // Drugs: the drugs of the requests to make and to buy and of the lab talk ("methamphetamine … recrystallize … grams").
        new(ContentCategory.Drugs, "<meth>|<methamphetamine>|<fentanyl>|<mdma>|<lsd>", new(93, 2), new(153, 0)),

        // Drugs: the drugs of the requests to make and to buy ("… heroin … without a prescription").
        new(ContentCategory.Drugs, "<carfentanil>|<heroin>|<cocaine>|<crack>|<ecstasy>|<ghb>|<oxy>|<oxycontin>|<oxycodone>|<xanax>", new(93, 2), new(95, 0)),

        // Drugs: the drugs of the requests to make only.
        new(ContentCategory.Drugs, "<crank>|<dmt>|<pcp>|<ketamine>|<mescaline>|<opium>|<morphine>", new(93, 2), new(15, 0)),

        // Drugs: the precursors ("reduction of the pseudoephedrine"; "phenyl-2-propanone … methamphetamine").
        new(ContentCategory.Drugs, "<pseudoephedrine", new(14, 0), new(15, 0)),
        new(ContentCategory.Drugs, "<red phosphorus|<phenyl|<p2p|<lithium strips|<anhydrous ammonia", new(0, 0), new(93, 0)),

        // Malware: the tool, the defence evaded, the data stolen (a request, "generate", a gap, "remote access trojans").
        new(ContentCategory.Malware, "<keylogger|<ransomware|<rootkit|<botnet|<trojan>|<trojans>|<computer worm|<self-spreading worm|<credential stealer|<info-stealer|<infostealer|<password stealer|<backdoor|<malware|<computer virus|<crypter|<spyware|<stalkerware|<dropper|<zero-click exploit|<polymorphic" +
            "|<antivirus>|<anti-virus>|<edr>|<defender>|<amsi>|<detection by|<av detection|<endpoint protection|<security software" +
            "|<passwords>|<credentials>|<cookies>|<session tokens>|<credit card numbers>|<bank logins>|<login details>|<keystrokes>", new(95, 2), new(19, 0)),
        new(ContentCategory.Malware, "<undetectable>|<fud>", new(0, 0), new(22, 0)),

        // Malware: encryption of files ("encrypt\w* … their files … bitcoin … function").
        new(ContentCategory.Malware, "<encrypt", new(0, 0), new(215, 1)),
    ];

    private static readonly (Trigger[][] ByFirst, SearchValues<string> Search, int MaxLength) s_triggers = CreateTriggers();

    // What the patterns' case-insensitive matching takes for ASCII letters and an ordinal case-insensitive search does not.
    private static readonly SearchValues<char> s_foldedLetters = SearchValues.Create("\u212A");

    /// <summary>Gets the length of the longest trigger: an incremental search starts this many characters, less one, before the text not yet searched.</summary>
    internal static int MaxTriggerLength => s_triggers.MaxLength;

    /// <summary>
    /// Finds the triggers that start at or after <paramref name="from"/> and end within <paramref name="text"/>, and
    /// raises <paramref name="lastStart"/>[category] to the start of the last one of each category (plus
    /// <paramref name="offset"/>); <paramref name="onTrigger"/>, when given, is told the start (plus
    /// <paramref name="offset"/>) and group (<see cref="GroupCategory"/>, <see cref="ReachBack"/>) of each trigger of
    /// each category. A character the patterns fold into an ASCII letter counts for every category.
    /// </summary>
    /// <returns>The position (plus <paramref name="offset"/>) of the last such character at or after <paramref name="from"/>; -1 when none.</returns>
    /// <remarks>
    /// Whether a word starts before a trigger or ends after it is read in <paramref name="text"/>; the first character
    /// of <paramref name="text"/> counts as a word start. Text beyond <paramref name="text"/>'s end counts as a word end.
    /// </remarks>
    internal static int FindTriggers(ReadOnlySpan<char> text, int from, Span<int> lastStart, int offset, Action<int, int>? onTrigger = null)
    {
        (Trigger[][] byFirst, SearchValues<string> search, _) = s_triggers;
        int at = from;
        while (at < text.Length)
        {
            int found = text[at..].IndexOfAny(search);
            if (found < 0)
            {
                break;
            }

            at += found;
            bool wordStart = at == 0 || !IsLetterOrUnderscore(text[at - 1]);
            int categories = 0;
            // The search folds case as ToUpperInvariant does: a character outside ASCII can stand for an ASCII letter.
            char first = char.ToLowerInvariant(char.ToUpperInvariant(text[at]));
            foreach (Trigger trigger in first < 128 ? byFirst[first] : [])
            {
                int end = at + trigger.Text.Length;
                if ((onTrigger is not null || (categories & trigger.Categories) != trigger.Categories)
                    && end <= text.Length
                    && text[at..end].Equals(trigger.Text, StringComparison.OrdinalIgnoreCase)
                    && (wordStart || !trigger.WordStart)
                    && (!trigger.WordEnd || end == text.Length || !char.IsAsciiLetterOrDigit(text[end]) && text[end] != '_'))
                {
                    categories |= trigger.Categories;
                    if (onTrigger is not null)
                    {
                        foreach (int group in trigger.Groups)
                        {
                            onTrigger(offset + at, group);
                        }
                    }
                }
            }

            for (int category = 0; categories != 0; category++, categories >>= 1)
            {
                if ((categories & 1) != 0)
                {
                    lastStart[category] = offset + at;
                }
            }

            at++;
        }

        int folded = text[from..].LastIndexOfAny(s_foldedLetters);
        if (folded < 0)
        {
            return -1;
        }

        for (int category = 0; category < ContentClassification.CategoryCount; category++)
        {
            lastStart[category] = Math.Max(lastStart[category], offset + from + folded);
        }

        return offset + from + folded;
    }

    /// <summary>The category of a trigger group.</summary>
    internal static ContentCategory GroupCategory(int group) => s_groups[group].Category;

    /// <summary>
    /// The earliest position at which a match of its category's pattern in <paramref name="text"/> can start when it is
    /// read from a trigger of <paramref name="group"/> that starts at <paramref name="trigger"/> or later (not before
    /// <paramref name="limit"/>).
    /// </summary>
    /// <remarks>
    /// Walks back from <paramref name="trigger"/> while the characters passed, less the longest runs of them that the
    /// pattern's unbounded words may take, stay within the group's bound (<see cref="Reach"/>). A later trigger of the
    /// group reaches no further back: what lies between the two only adds to the count.
    /// </remarks>
    internal static int ReachBack(ReadOnlySpan<char> text, int trigger, int limit, int group) =>
        Walk(text, trigger, limit, s_groups[group].Before, step: -1);

    /// <summary>
    /// The position beyond the last character that a match of its category's pattern in <paramref name="text"/> can
    /// reach when it is read from a trigger of <paramref name="group"/> that starts at <paramref name="trigger"/> or
    /// earlier (at most <paramref name="limit"/>).
    /// </summary>
    internal static int ReachForward(ReadOnlySpan<char> text, int trigger, int limit, int group) =>
        Walk(text, trigger, limit, s_groups[group].After, step: 1);

    /// <summary>
    /// Walks from <paramref name="from"/> towards <paramref name="limit"/> (back for a <paramref name="step"/> of -1,
    /// reading the character before each position; forward for 1, reading the one at it) while the characters passed,
    /// less the longest runs the pattern's unbounded words may take, stay within <paramref name="reach"/>.
    /// </summary>
    private static int Walk(ReadOnlySpan<char> text, int from, int limit, Reach reach, int step)
    {
        Span<int> longest = stackalloc int[4];
        longest.Clear();
        int counted = 0;
        int run = 0;
        int at = from;
        while (step < 0 ? at > limit : at < limit)
        {
            char c = text[step < 0 ? at - 1 : at];
            if (char.IsWhiteSpace(c))
            {
                Keep(longest, reach.Runs, run);
                run = 0;
            }
            else if (counted + 1 - Free(longest, reach.Runs, run + 1) > reach.Characters)
            {
                break;
            }
            else
            {
                counted++;
                run++;
            }

            at += step;
        }

        return at;
    }

    /// <summary>Keeps <paramref name="run"/> among the <paramref name="runs"/> longest runs (<paramref name="longest"/>, longest first).</summary>
    private static void Keep(Span<int> longest, int runs, int run)
    {
        for (int i = 0; i < runs; i++)
        {
            if (run > longest[i])
            {
                (longest[i], run) = (run, longest[i]);
            }
        }
    }

    /// <summary>The characters of the <paramref name="runs"/> longest runs, counting the current one (<paramref name="run"/>) with the kept ones.</summary>
    private static int Free(Span<int> longest, int runs, int run)
    {
        if (runs == 0)
        {
            return 0;
        }

        int sum = 0;
        for (int i = 0; i < runs - 1; i++)
        {
            sum += longest[i];
        }

        return sum + Math.Max(longest[runs - 1], run);
    }

    /// <summary>The categories with a trigger in <paramref name="text"/>, as a bit mask.</summary>
    internal static int TriggeredCategories(ReadOnlySpan<char> text)
    {
        Span<int> lastStart = stackalloc int[ContentClassification.CategoryCount];
        lastStart.Fill(-1);
        FindTriggers(text, 0, lastStart, 0);
        return CategoriesFrom(lastStart, 0);
    }

    /// <summary>The categories whose last trigger starts at or after <paramref name="windowStart"/>, as a bit mask.</summary>
    internal static int CategoriesFrom(ReadOnlySpan<int> lastStart, int windowStart)
    {
        int categories = 0;
        for (int category = 0; category < lastStart.Length; category++)
        {
            if (lastStart[category] >= windowStart)
            {
                categories |= 1 << category;
            }
        }

        return categories;
    }

    private static bool IsLetterOrUnderscore(char c) => char.IsAsciiLetter(c) || c == '_';

    private static (Trigger[][] ByFirst, SearchValues<string> Search, int MaxLength) CreateTriggers()
    {
        // The streamed check keeps a trigger's group in six bits.
        if (s_groups.Length > 64)
        {
            throw new InvalidOperationException("More than 64 trigger groups.");
        }

        var triggers = new Dictionary<(string Text, bool WordStart, bool WordEnd), List<int>>();
        for (int group = 0; group < s_groups.Length; group++)
        {
            foreach (string entry in s_groups[group].Triggers.Split('|'))
            {
                bool wordStart = entry.StartsWith('<');
                bool wordEnd = entry.EndsWith('>');
                string text = entry[(wordStart ? 1 : 0)..(entry.Length - (wordEnd ? 1 : 0))].ToLowerInvariant();
                List<int> groups = triggers.TryGetValue((text, wordStart, wordEnd), out List<int>? known) ? known : triggers[(text, wordStart, wordEnd)] = [];
                if (groups.Any(g => s_groups[g].Category == s_groups[group].Category))
                {
                    throw new InvalidOperationException($"The trigger '{entry}' is in two groups of {s_groups[group].Category}.");
                }

                groups.Add(group);
            }
        }

        var byFirst = new List<Trigger>[128];
        foreach (((string text, bool wordStart, bool wordEnd), List<int> groups) in triggers)
        {
            int categories = groups.Aggregate(0, (mask, g) => mask | (1 << (int)s_groups[g].Category));
            (byFirst[text[0] & 0x7F] ??= []).Add(new Trigger(text, categories, wordStart, wordEnd, [.. groups]));
        }

        string[] distinct = [.. triggers.Keys.Select(k => k.Text).Distinct(StringComparer.Ordinal)];
        return (
            [.. byFirst.Select(list => list?.ToArray() ?? [])],
            SearchValues.Create(distinct, StringComparison.OrdinalIgnoreCase),
            distinct.Max(t => t.Length));
    }

    private readonly record struct Trigger(string Text, int Categories, bool WordStart, bool WordEnd, int[] Groups);

    /// <summary>Triggers of one category (the literals of <see cref="Triggers"/>, as in the class remarks) and the reach of a match read from one of them.</summary>
    private readonly record struct TriggerGroup(ContentCategory Category, string Triggers, Reach Before, Reach After);

    /// <summary>
    /// How far a match reaches on one side of the start of its trigger: at most <paramref name="Characters"/> characters
    /// that are not white space, besides up to <paramref name="Runs"/> runs of them of any length; white space is not counted.
    /// </summary>
    private readonly record struct Reach(int Characters, int Runs);
}
