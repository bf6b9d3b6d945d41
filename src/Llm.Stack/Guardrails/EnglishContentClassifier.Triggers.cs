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
/// </remarks>
public sealed partial class EnglishContentClassifier
{
    /// <summary>The bit mask of every category.</summary>
    internal const int AllCategories = (1 << ContentClassification.CategoryCount) - 1;

    private const string GroupTriggers =
        "<jews|<jewish people|<muslims|<christians|<hindus|<sikhs|<blacks|<black people|<whites|<white people|<asians|<arabs|<mexicans|<latinos|<hispanics|<immigrants|<migrants|<refugees|<gays|<gay people|<lesbians|<homosexuals|<trans people|<transgender people|<women|<africans|<chinese people|<indians|<gypsies|<roma|<catholics|<disabled people|<the disabled";

    // Indexed by ContentCategory.
    private static readonly string[] s_triggerLists =
    [
        // Hate: the group (the first three alternatives), "go back to".
        GroupTriggers + "|<go back to",

        // Harassment: the insult; "i know where you"; the hate or love of "you"; "yourself", "kys", "without you"; the
        // item posted; the insult written.
        "<worthless|<pathetic|<disgusting|<idiot|<moron|<loser|<piece of|<waste of|<stupid|<retard|<freak|<failure|<whore|<slut|<bitch|<cunt|<scum|<trash|<garbage|<dumbass|<subhuman" +
        "|<i know where you|<hates you|<laughs at you|<likes you|<loves you|<wants you|<would miss you|<yourself>|<kys>|<better without you" +
        "|<address|<nudes|<phone number|<private photos|<insult|<humiliat|<degrad|<bully|<harass|<mock",

        // Violence: the act (threats, calls, plans, requests), "without …" (getting away with it).
        "<kill>|<hurt>|<beat>|<rape>|<shoot>|<stab>|<strangle>|<murder>|<slit>|<break>|<lynch>|<behead>|<bomb>|<burn>|<massacre>|<slaughter>|<execute>|<hang>|<exterminate>|<wipe out>|<get rid of>" +
        "|<attack>|<blow up>|<poison>|<suffocate>|<torture>|<kidnap>|<maim>|<drown>|<without getting caught|<without being caught|<without leaving|<without anyone",

        // Self-harm: the act, the dose's outcome, the insult, the hiding, the communities' words.
        "<myself|<yourself|<end my|<end it all|<end things|<end your life|<die|<suicide|<overdose|<take my|<jump off|<slit my wrists|<to kill|<lethal|<fatal|<stop eating|<kys>|<cuts|<scars|<self-harm|<pro-ana|<thinspo",

        // Sexual content involving minors: the sexual term (both alternatives).
        "<sex|<erotic|<explicit|<nude|<naked|<porn|<nsfw|<seduc|<aroused|<orgasm|<intercourse|<molest|<lewd|<fetish|<undress|<striptease|<genital|<make out with",

        // Weapons: the weapon or agent; what fills the pipe; the mixed ingredient.
        "<bomb|<explosive|<ied|<grenade|<detonator|<napalm|<thermite|<nerve agent|<sarin|<vx|<tabun|<ricin|<anthrax|<botulinum|<mustard gas|<chlorine gas|<chemical weapon|<bioweapon|<biological weapon" +
        "|<ghost gun|<untraceable|<silencer|<suppressor|<full-auto|<full auto|<fully automatic|<auto sear|<molotov|<tatp|<acetone peroxide|<suicide vest" +
        "|<powder|<nails|<shrapnel|<ammonium nitrate|<potassium chlorate|<hydrogen peroxide and acetone|<acetone and hydrogen peroxide|<fuel oil",

        // Drugs: the drug; the precursor.
        "<meth>|<methamphetamine>|<crank>|<fentanyl>|<carfentanil>|<heroin>|<cocaine>|<crack>|<lsd>|<mdma>|<ecstasy>|<dmt>|<ghb>|<pcp>|<ketamine>|<mescaline>|<opium>|<morphine>|<oxy|<xanax>" +
        "|<pseudoephedrine|<red phosphorus|<phenyl|<p2p|<lithium strips|<anhydrous ammonia",

        // Malware: the tool; the defence evaded; the data stolen; "undetectable", "fud"; encryption of files.
        "<keylogger|<ransomware|<rootkit|<botnet|<trojan|<computer worm|<self-spreading worm|<credential stealer|<info-stealer|<infostealer|<password stealer|<backdoor|<malware|<computer virus|<crypter|<spyware|<stalkerware|<dropper|<zero-click exploit|<polymorphic" +
        "|<antivirus|<anti-virus|<edr|<defender|<amsi|<detection by|<av detection|<endpoint protection|<security software" +
        "|<passwords|<credentials|<cookies|<session tokens|<credit card numbers|<bank logins|<login details|<keystrokes|<undetectable|<fud|<encrypt",
    ];

    private static readonly (Trigger[][] ByFirst, SearchValues<string> Search, int MaxLength) s_triggers = CreateTriggers();

    // What the patterns' case-insensitive matching takes for ASCII letters and an ordinal case-insensitive search does not.
    private static readonly SearchValues<char> s_foldedLetters = SearchValues.Create("\u212A");

    /// <summary>Gets the length of the longest trigger: an incremental search starts this many characters, less one, before the text not yet searched.</summary>
    internal static int MaxTriggerLength => s_triggers.MaxLength;

    /// <summary>
    /// Finds the triggers that start at or after <paramref name="from"/> and end within <paramref name="text"/>, and
    /// raises <paramref name="lastStart"/>[category] to the start of the last one of each category (plus
    /// <paramref name="offset"/>). A character the patterns fold into an ASCII letter counts for every category.
    /// </summary>
    /// <remarks>
    /// Whether a word starts before a trigger or ends after it is read in <paramref name="text"/>; the first character
    /// of <paramref name="text"/> counts as a word start. Text beyond <paramref name="text"/>'s end counts as a word end.
    /// </remarks>
    internal static void FindTriggers(ReadOnlySpan<char> text, int from, Span<int> lastStart, int offset)
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
                if ((categories & trigger.Categories) != trigger.Categories
                    && end <= text.Length
                    && text[at..end].Equals(trigger.Text, StringComparison.OrdinalIgnoreCase)
                    && (wordStart || !trigger.WordStart)
                    && (!trigger.WordEnd || end == text.Length || !char.IsAsciiLetterOrDigit(text[end]) && text[end] != '_'))
                {
                    categories |= trigger.Categories;
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
        if (folded >= 0)
        {
            for (int category = 0; category < ContentClassification.CategoryCount; category++)
            {
                lastStart[category] = Math.Max(lastStart[category], offset + from + folded);
            }
        }
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
        var triggers = new Dictionary<(string Text, bool WordStart, bool WordEnd), int>();
        for (int category = 0; category < s_triggerLists.Length; category++)
        {
            foreach (string entry in s_triggerLists[category].Split('|'))
            {
                bool wordStart = entry.StartsWith('<');
                bool wordEnd = entry.EndsWith('>');
                string text = entry[(wordStart ? 1 : 0)..(entry.Length - (wordEnd ? 1 : 0))].ToLowerInvariant();
                triggers[(text, wordStart, wordEnd)] = triggers.GetValueOrDefault((text, wordStart, wordEnd)) | (1 << category);
            }
        }

        var byFirst = new List<Trigger>[128];
        foreach (((string text, bool wordStart, bool wordEnd), int categories) in triggers)
        {
            (byFirst[text[0] & 0x7F] ??= []).Add(new Trigger(text, categories, wordStart, wordEnd));
        }

        string[] distinct = [.. triggers.Keys.Select(k => k.Text).Distinct(StringComparer.Ordinal)];
        return (
            [.. byFirst.Select(list => list?.ToArray() ?? [])],
            SearchValues.Create(distinct, StringComparison.OrdinalIgnoreCase),
            distinct.Max(t => t.Length));
    }

    private readonly record struct Trigger(string Text, int Categories, bool WordStart, bool WordEnd);
}
