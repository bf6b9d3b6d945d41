using System.Buffers;
using System.Text.RegularExpressions;

namespace Llm.Stack;

/// <summary>
/// A lexical baseline for the content policy, in English: recognises hate, harassment, violence, self-harm, sexual
/// content involving minors, and instructions for weapons, drugs and malware by patterns that need both a harmful
/// object and an intent within one sentence (a request for instructions, a first-person plan, a threat, an insult aimed
/// at "you", a dehumanising claim about a group).
/// </summary>
/// <remarks>
/// <para>
/// Text that only mentions the same things is not flagged: news about violence ("police said the man was stabbed"),
/// self-harm prevention and support ("if you are having thoughts of ending your life, call 988"), drug policy
/// ("decriminalising possession of heroin"), security research prose ("the ransomware encrypts files with AES"), child
/// protection text. A match inside double quotes, and (for hate and violence) one reported by a speech verb earlier in
/// its sentence ("the leaflet claimed that …"), is not flagged either.
/// </para>
/// <para>
/// A heuristic, not a model: phrasing it does not know gets through, and its precision and recall are measured on a
/// labelled set written with it (an upper bound for unseen text). Where the cost is acceptable, add a moderator model
/// (<see cref="ChatClientContentClassifier"/>). The patterns are source-generated regular expressions whose gaps are
/// bounded (a match never reaches past its sentence or further than a few hundred characters), so the scan's time is
/// linear in the text's length; the checks of a match (quotes, reported speech, protective text) read its sentence, and
/// carry what they read from one match to the next, so a long sentence of matches that do not count is still read a
/// bounded number of times. It allocates nothing when nothing is found. A category's expression runs only when the
/// text holds one of the words its every match holds (one vectorized search for all categories first), so ordinary
/// text costs that search alone. Immutable and safe to use concurrently.
/// </para>
/// </remarks>
public sealed partial class EnglishContentClassifier : IContentClassifier
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    // Up to 60 characters of the same sentence.
    private const string Gap = @"[^.!?\n]{0,60}";

    // Where a request or instruction starts: the start of a sentence, or a phrase that asks for (or plans) the act.
    private const string Act =
        @"(?:(?:^|[.!?\n:]\s*)(?:first,?\s+|then,?\s+|next,?\s+|now,?\s+|to\s+|step\s*\d+\W{0,2}\s*)?|\b(?:please|can you|could you|would you|will you|help me|i want to|i need to|i'm going to|i am going to|i plan to|how to|how do i|how can i|how would i|how could i|how should i|how do you|how can you|how does one|how do people|where can i|where do i|where to|ways? to|steps to|instructions (?:to|for)|guide (?:to|for|on)|tutorial (?:to|for|on)|teach me (?:how )?to|show me how to|tell me how to|explain how to|want you to|best way to|easiest way to|(?:script|program|tool|code|bot|app|extension|malware|payload) (?:to|that|which))\s+(?:\w+\s+){0,2})";

    private const string People =
        @"(?:him|her|them|you|people|someone|somebody|everyone|my (?:wife|husband|boss|neighbou?r|ex|father|mother|dad|mom|mum|teacher|classmates?|coworkers?|colleagues?|family|partner|girlfriend|boyfriend|sister|brother)|(?:the |those |these |all |every |all the |all of the )?(?:cops|police(?:men)?|officers?|politicians?|immigrants|migrants|protesters|journalists|women|kids|children|students|teachers|voters|judges|senators|the president|jews|muslims|christians|gays|doctors|nurses))";

    private const string Group =
        @"(?:jews|jewish people|muslims|christians|hindus|sikhs|blacks|black people|whites|white people|asians|arabs|mexicans|latinos|hispanics|immigrants|migrants|refugees|gays|gay people|lesbians|homosexuals|trans people|transgender people|women|africans|chinese people|indians|gypsies|roma|catholics|disabled people|the disabled)";

    private const string Minor =
        @"(?:child|children|kids?|minors?|underage|under-age|preteens?|pre-teens?|toddlers?|schoolgirls?|schoolboys?|little (?:girls?|boys?)|(?:[1-9]|1[0-7])[- ]?(?:years?|yrs?)[- ]olds?|(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)[- ]years?[- ]olds?|young teens?|teen (?:girls?|boys?)|(?:daughter|son|niece|nephew|stepdaughter|stepson)(?: who is| aged)? (?:[1-9]|1[0-7])\b)";

    private const string Sexual =
        @"(?:sex|sexual(?:ly)?|sexy|erotic|explicit|nude|nudes|naked|porn\w*|nsfw|seduc\w*|aroused|orgasm\w*|intercourse|molest\w*|lewd|fetish\w*|undress\w*|striptease|genitals?|make out with|have sex)";

    private const string HatePattern =
            $@"\b{Group}\s+(?:are|is)\s+(?:all\s+|just\s+|nothing but\s+|no better than\s+|like\s+)?(?:\w+\s+)?(?:vermin|parasites|animals|cockroaches|rats|subhumans?|sub-human|savages|a disease|a plague|a cancer|inferior|filth|scum|not (?:really )?human|less than human|criminals|terrorists|rapists|evil|a virus|genetically inferior)\b" +
            $@"|\b(?:kill|exterminate|gas|wipe out|get rid of|eradicate|purge|deport|hang|lynch|shoot)\s+(?:all|every|the|all the|all of the|every last one of the)\s+(?:(?:fucking|damn|filthy|dirty)\s+)?{Group}" +
            $@"|\b{Group}\s+(?:should|must|need to|ought to|deserve to)\s+(?:all\s+)?(?:die|burn|be (?:killed|exterminated|gassed|deported|shot|hanged|wiped out|eradicated|sterili[sz]ed|locked up)|not be allowed to (?:vote|live|exist))" +
            @"|\bgo back to (?:your|their) (?:own )?(?:country|jungle|desert|cave)s?\b";

    private const string HarassmentPattern =
            @"\byou(?:'re| are|r)\s+(?:(?:such|so|a|an|the|just|nothing but|total|complete|absolute|fucking|pathetic|worthless|stupid|fat|ugly|little|dumb)\s+){0,3}(?:worthless|pathetic|disgusting|idiots?|morons?|losers?|piece of (?:shit|garbage|trash)|waste of (?:space|oxygen|skin)|stupid|retard\w*|freak|failure|whore|slut|bitch|cunt|scum|trash|garbage|dumbass|subhuman)\b" +
            @"|\bi know where you (?:live|work|sleep|go to school)\b" +
            @"|\b(?:everyone|everybody) (?:hates|laughs at) you\b|\bno ?(?:one|body) (?:likes|loves|wants|would miss) you\b" +
            @"|\b(?:go|just|should|please|you should) (?:kill|hang|shoot) yourself\b|\bkys\b|\bthe world would be better without you\b" +
            $@"|\b(?:post|share|publish|leak|spread)\b{Gap}\b(?:her|his|their)\s+(?:home address|address|nudes|phone number|private photos)\b{Gap}\b(?:so (?:everyone|people)|everywhere|online|humiliate|teach (?:her|him|them) a lesson)" +
            $@"|\b(?:write|make|compose|draft)\b{Gap}\b(?:insult|humiliat\w*|degrad\w*|bully\w*|harass\w*|mock\w*)\b{Gap}\b(?:my (?:classmate|coworker|colleague|ex|neighbou?r|teacher|boss|sister|brother)|this (?:girl|guy|kid|person)|(?:her|him) (?:for|about) (?:her|his) (?:weight|looks|face|body|disability|accent))";

    private const string ViolencePattern =
            $@"\bi(?:'ll| will| am going to|'m going to|'m gonna| am gonna|'m coming to| want to| plan to)\s+(?:\w+\s+){{0,2}}?(?:kill|hurt|beat|rape|shoot|stab|strangle|murder|slit|break)\s+(?:you|your|him|her|them|his|their|my (?:wife|husband|boss|neighbou?r|ex|teacher|family))\b" +
            $@"|\b(?:we|you|they|everyone|someone|somebody)\s+(?:should|must|need to|ought to)\s+(?:\w+\s+){{0,2}}?(?:kill|shoot|stab|lynch|behead|bomb|burn|massacre|slaughter|execute|hang|beat up|exterminate|wipe out|get rid of)\s+{People}\b" +
            $@"|\blet'?s\s+(?:go\s+)?(?:kill|shoot|stab|lynch|bomb|attack|beat up|burn down|blow up)\s+(?:the\s+|those\s+|that\s+|this\s+|a\s+)?(?:{People}|school|mosque|church|synagogue|temple|office|clinic|concert|parade|mall|classroom)\b" +
            @"|\b(?:i(?:'m| am)?|we(?:'re| are)?)\s+(?:going to|gonna|will|plan to|planning to|want to)\s+(?:\w+\s+){0,2}?(?:shoot up|bomb|attack|blow up|burn down|massacre)\s+(?:a|the|my|our|this|that)\s+(?:school|mosque|church|synagogue|temple|office|clinic|concert|parade|mall|classroom|workplace|rally)\b" +
            $@"|{Act}(?:kill|murder|poison|strangle|suffocate|stab|shoot|hurt|torture|kidnap|maim|drown)\s+(?:a |an |the )?(?:{People}|person|child|baby|man|woman|human)\b" +
            $@"|\b(?:kill|murder|poison|hurt|stab|dispose of|get rid of)\s+(?:a |an |the )?(?:{People}|person|body)\b{Gap}\bwithout (?:getting caught|being caught|leaving (?:a trace|any trace|evidence)|anyone (?:knowing|noticing))";

    private const string SelfHarmPattern =
            @"\bi(?:'m|'ve| am| have)?\s+(?:want|wanna|plan|planning|am going|'m going|going|intend|need|wish|have decided|decided|ready)\s+to\s+(?:kill myself|end (?:my (?:own )?life|it all|things)|die\b|hurt myself|cut myself|commit suicide|overdose|take my (?:own )?life|hang myself|jump off)" +
            @"|\bi(?:'m| am| will|'ll)\s+(?:going to\s+|gonna\s+)?(?:kill|hang|cut|hurt|starve)\s+myself\b" +
            $@"|{Act}(?:kill myself|commit suicide|end my (?:own )?life|take my (?:own )?life|hang myself|cut myself|overdose|slit my wrists|hurt myself)" +
            $@"|\bhow (?:many|much)\s+(?:\w+\s+){{0,3}}?(?:pills|tablets|mg|milligrams|grams)\b{Gap}\b(?:to (?:die|overdose|kill (?:myself|yourself|a person))|(?:is|would be) (?:lethal|fatal|enough to die))" +
            @"|\b(?:painless|quickest|quick|easiest|easy|best|surest|fastest|most effective|least painful)\s+(?:way|method|methods|ways)\s+to\s+(?:die|kill myself|end (?:my|it all|my life)|commit suicide|kill yourself|end your life)" +
            @"|\byou should (?:just )?(?:kill yourself|die|end your life|cut yourself|starve yourself|stop eating)\b|\b(?:just |go |just go )(?:kill|hang|hurt|cut) yourself\b|\bkys\b" +
            @"|\b(?:end|take) my (?:own )?life\b" +
            $@"|\b(?:hide|hiding) (?:my|the|your) (?:cuts|scars|self-harm)\b{Gap}\bfrom\b" +
            @"|\b(?:pro-ana|thinspo\w*)\b";

    private const string SexualMinorsPattern =
            $@"\b{Sexual}\b{Gap}\b{Minor}\b|\b{Minor}\b{Gap}\b{Sexual}\b";

    private const string WeaponsPattern =
            $@"{Act}(?:make|build|assemble|construct|manufacture|3d[- ]print|convert|synthesi[sz]e|produce|detonate|weaponi[sz]e|cook up|brew|culture|mix|rig|wire)\b{Gap}\b(?:bombs?|pipe bombs?|explosives?|ieds?|grenades?|detonators?|napalm|thermite|nerve agents?|sarin|vx|tabun|ricin|anthrax|botulinum|mustard gas|chlorine gas|chemical weapons?|bioweapons?|biological weapons?|ghost guns?|untraceable (?:guns?|firearms?|pistols?|rifles?)|silencers?|suppressors?|full[- ]auto|fully automatic|auto sears?|molotovs?|molotov cocktails?|tatp|acetone peroxide|dirty bombs?|car bombs?|suicide vests?)\b(?!-)" +
            @"|\b(?:pack|fill|stuff)\s+(?:the|a)\s+(?:pipe|container|pressure cooker|bottle)\b[^.!?\n]{0,60}\b(?:powder|explosive|nails|shrapnel|ammonium nitrate)\b" +
            @"|\b(?:mix|combine|add)\b[^.!?\n]{0,60}\b(?:ammonium nitrate|potassium chlorate|hydrogen peroxide and acetone|acetone and hydrogen peroxide|fuel oil)\b[^.!?\n]{0,60}\b(?:detonat\w*|explo\w*|blast\w*|bomb)";

    private const string DrugsPattern =
            $@"{Act}(?:cook|make|synthesi[sz]e|produce|manufacture|extract|brew|refine|press|freebase)\b{Gap}\b(?:meth|methamphetamine|crystal meth|crank|fentanyl|carfentanil|heroin|cocaine|crack|lsd|mdma|ecstasy|dmt|ghb|pcp|ketamine|mescaline|opium|morphine)\b" +
            $@"|{Act}(?:buy|get|order|score|source|smuggle|ship|sell)\b{Gap}\b(?:meth|methamphetamine|fentanyl|carfentanil|heroin|cocaine|crack|lsd|mdma|ecstasy|ghb|oxy(?:contin|codone)?|xanax)\b{Gap}\b(?:without (?:a )?prescription|without getting caught|dark ?web|darknet|tor|online|past customs|across the border|undetected)" +
            @"|\b(?:reduce|reducing|reduction of)\s+(?:the\s+)?pseudoephedrine\b|\b(?:red phosphorus|phenyl-?2-?propanone|p2p|phenylacetone|lithium strips|anhydrous ammonia)\b[^.!?\n]{0,60}\b(?:meth|methamphetamine|reduce|reaction|yield|flask|cook)" +
            @"|\b(?:meth|methamphetamine|fentanyl|mdma|lsd)\b[^.!?\n]{0,60}\b(?:yield|reagents?|precursors?|recrystalli[sz]e|reflux|flask)\b[^.!?\n]{0,60}\b(?:grams?|ml|mix|heat|add|stir)\b";

    private const string MalwarePattern =
            $@"{Act}(?:write|code|create|build|develop|generate|make|program|craft|deploy|spread)\b{Gap}\b(?:keyloggers?|ransomware|rootkits?|botnets?|trojans?|computer worms?|self-spreading worm|credential stealers?|info-?stealers?|password stealers?|remote access trojans?|backdoors?|malware|computer virus(?:es)?|crypters?|spyware|stalkerware|droppers?|zero-click exploit|polymorphic (?:code|virus|malware))\b" +
            $@"|{Act}(?:evade|bypass|disable|avoid|get past|kill|turn off)\b{Gap}\b(?:antivirus|anti-virus|edr|windows defender|defender|amsi|detection by|av detection|endpoint protection|security software)\b" +
            $@"|{Act}(?:steal|exfiltrate|harvest|dump|grab|sniff|phish)\b{Gap}\b(?:passwords|credentials|cookies|session tokens|credit card numbers|bank logins|login details|keystrokes)\b" +
            @"|\b(?:undetectable|fud)\s+(?:malware|payload|backdoor|keylogger|ransomware|trojan|rat|crypter)\b" +
            @"|\b(?:encrypt\w*)\b[^.!?\n]{0,60}\b(?:victim'?s?|their) files\b[^.!?\n]{0,60}\b(?:ransom|bitcoin|pay)\b[^.!?\n]{0,60}\b(?:here'?s|here is|code|script|def |function)\b";

    private static readonly (ContentCategory Category, Regex Pattern)[] s_patterns =
    [
        (ContentCategory.Hate, HateRegex()),
        (ContentCategory.Harassment, HarassmentRegex()),
        (ContentCategory.Violence, ViolenceRegex()),
        (ContentCategory.SelfHarm, SelfHarmRegex()),
        (ContentCategory.SexualMinors, SexualMinorsRegex()),
        (ContentCategory.Weapons, WeaponsRegex()),
        (ContentCategory.Drugs, DrugsRegex()),
        (ContentCategory.Malware, MalwareRegex()),
    ];

    /// <summary>Gets each category's pattern (the tests check that every match holds one of the category's triggers).</summary>
    internal static IReadOnlyList<(ContentCategory Category, Regex Pattern)> Patterns => s_patterns;

    [GeneratedRegex(HatePattern, Options)]
    private static partial Regex HateRegex();

    [GeneratedRegex(HarassmentPattern, Options)]
    private static partial Regex HarassmentRegex();

    [GeneratedRegex(ViolencePattern, Options)]
    private static partial Regex ViolenceRegex();

    [GeneratedRegex(SelfHarmPattern, Options)]
    private static partial Regex SelfHarmRegex();

    [GeneratedRegex(SexualMinorsPattern, Options)]
    private static partial Regex SexualMinorsRegex();

    [GeneratedRegex(WeaponsPattern, Options)]
    private static partial Regex WeaponsRegex();

    [GeneratedRegex(DrugsPattern, Options)]
    private static partial Regex DrugsRegex();

    [GeneratedRegex(MalwarePattern, Options)]
    private static partial Regex MalwareRegex();

    private static readonly SearchValues<char> s_quotes = SearchValues.Create("\"\u201C\u201D\u201E\u00AB\u00BB");

    private static readonly SearchValues<char> s_sentenceEnds = SearchValues.Create(".!?\n");

    // For hate and violence: a sentence that reports what someone else said or wrote.
    [GeneratedRegex(@"\b(?:said|says|claimed|claims|called|calls|described|describes|accused|alleged|wrote|writes|argued|argues|condemned|chanted|shouted|posted|slogans?|rhetoric|propaganda|leaflets?|manifesto|according to|quoted|reported(?:ly)?|testified|told (?:police|the court|reporters|investigators))\b", Options)]
    internal static partial Regex ReportedRegex();

    // Sexual terms near a minor in text about protection, health, education or the law.
    [GeneratedRegex(@"\b(?:abuse|abused|exploitation|csam|report(?:ed|ing)?|protect\w*|prevent\w*|safeguard\w*|grooming|illegal|crime|criminal|offen[cs]es?|offenders?|convicted|charged|sentenced|prosecut\w*|education|educators?|curriculum|puberty|consent|paediatric\w*|pediatric\w*|health|doctors?|survivors?|victims?|law|laws|police|hotline|helpline|dress code|bath|diaper|nappy|development)\b", Options)]
    internal static partial Regex ProtectiveRegex();

    // Requests that protective words must not excuse.
    [GeneratedRegex(@"\b(?:write|describe|generate|create|roleplay|role-play|draw|show me|send me|where can i|give me|story|stories|fantasy)\b", Options)]
    internal static partial Regex RequestRegex();

    // What the checks of the matches (Counts) have read on this thread: the tests' measure of their work.
    [ThreadStatic]
    private static long t_charactersRead;

    private readonly bool[] _checked;

    /// <summary>Initializes a new instance of the <see cref="EnglishContentClassifier"/> class that checks the given categories.</summary>
    /// <param name="categories">The categories to check; <see langword="null"/> for all of them.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is not a <see cref="ContentCategory"/>.</exception>
    public EnglishContentClassifier(IEnumerable<ContentCategory>? categories = null)
    {
        _checked = new bool[ContentClassification.CategoryCount];
        foreach (ContentCategory category in categories ?? Enum.GetValues<ContentCategory>())
        {
            if (!Enum.IsDefined(category))
            {
                throw new ArgumentOutOfRangeException(nameof(categories), category, "Not a ContentCategory.");
            }

            _checked[(int)category] = true;
        }
    }

    /// <summary>Gets a classifier that checks every category.</summary>
    public static EnglishContentClassifier Default { get; } = new();

    /// <summary>Classifies <paramref name="text"/>.</summary>
    /// <param name="text">The text to classify.</param>
    /// <returns>The categories found; <see cref="ContentClassification.None"/> when none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public ContentClassification Classify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Classify(text.AsSpan());
    }

    /// <summary>Classifies <paramref name="text"/>.</summary>
    /// <param name="text">The text to classify.</param>
    /// <returns>The categories found; <see cref="ContentClassification.None"/> when none.</returns>
    public ContentClassification Classify(ReadOnlySpan<char> text) => Classify(text, TriggeredCategories(text));

    /// <summary>Classifies <paramref name="text"/> under the categories in <paramref name="categories"/> (a bit mask) that this instance checks.</summary>
    /// <remarks>Without the prefilter: the categories given run their expressions whatever the text holds.</remarks>
    internal ContentClassification Classify(ReadOnlySpan<char> text, int categories)
    {
        List<ContentCategory>? found = null;
        foreach ((ContentCategory category, Regex pattern) in s_patterns)
        {
            if (!_checked[(int)category] || (categories & (1 << (int)category)) == 0)
            {
                continue;
            }

            var checks = new MatchChecks(text, category);
            foreach (ValueMatch match in pattern.EnumerateMatches(text))
            {
                if (checks.Counts(match.Index, match.Length))
                {
                    (found ??= []).Add(category);
                    break;
                }
            }
        }

        return found is null ? ContentClassification.None : new ContentClassification(found);
    }

    /// <summary>
    /// Whether <paramref name="text"/> holds a match of <paramref name="category"/>'s pattern that counts and starts at or
    /// after <paramref name="startAt"/> (the text before it is read as the pattern and the checks read it: word
    /// boundaries, the sentence's start); <see langword="false"/> when this instance does not check the category.
    /// </summary>
    internal bool Matches(ReadOnlySpan<char> text, ContentCategory category, int startAt)
    {
        if (!_checked[(int)category])
        {
            return false;
        }

        var checks = new MatchChecks(text, category);
        foreach (ValueMatch match in s_patterns[(int)category].Pattern.EnumerateMatches(text, startAt))
        {
            if (checks.Counts(match.Index, match.Length))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets how many characters the checks of the matches (quotes, reported speech, protective text) have read on the current thread; the tests' measure of their work.</summary>
    internal static long CharactersRead => t_charactersRead;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public ValueTask<ContentClassification> ClassifyAsync(string text, GuardrailStage stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Classify(text.AsSpan()));
    }

    /// <summary>
    /// Whether the matches of one category's pattern, fed in the order the pattern finds them, count: not quoted, not
    /// reported speech (hate, violence), not protective text (sexual content and minors).
    /// </summary>
    /// <remarks>
    /// Each check depends on the match's sentence: the text from the sentence's start (after the last sentence end before
    /// the match, or the text's start) to the match, and for sexual content and minors the whole sentence. The matches
    /// come in order, so what was read for one is carried to the next: the sentence's start and its quotes up to the
    /// last match, whether a speech verb was found there, and the protective verdict of the last sentence. Each character
    /// is read a bounded number of times whatever the number of matches in its sentence (reading each match's sentence
    /// afresh made a long sentence of matches that do not count cost its length squared), and the verdicts are those of
    /// reading each sentence afresh, so a window that holds a match's sentence judges it the same way.
    /// </remarks>
    private ref struct MatchChecks
    {
        // Longer than any match of ReportedRegex ("told investigators"): a match that was not in the text read before
        // ends after its end, so it starts no further back than this.
        private const int ReportedOverlap = 32;

        private readonly ReadOnlySpan<char> _text;
        private readonly ContentCategory _category;

        // [_sentenceStart, _readTo) has been read for sentence ends and quotes: no sentence end in it, _quotes quotes.
        private int _readTo;
        private int _sentenceStart;
        private int _quotes;

        // Whether a speech verb occurs in [_sentenceStart, _reportedTo).
        private int _reportedTo;
        private bool _reported;

        // The protective verdict of the sentence [_protectiveStart, _protectiveEnd); -1 for none yet.
        private int _protectiveStart;
        private int _protectiveEnd;
        private bool _excused;

        public MatchChecks(ReadOnlySpan<char> text, ContentCategory category)
        {
            _text = text;
            _category = category;
            _readTo = -1;
            _protectiveStart = -1;
        }

        /// <summary>Whether the match at <paramref name="index"/> counts; matches come in order and do not overlap.</summary>
        public bool Counts(int index, int length)
        {
            Advance(index);

            // A match may begin with the end of the sentence before it (the patterns' "(?:^|[.!?\n:]\s*)" prefix): its
            // own sentence starts after that character, and nothing of it lies before the match.
            bool startsAtEnd = index < _text.Length && s_sentenceEnds.Contains(_text[index]);
            int sentenceStart = startsAtEnd ? index : _sentenceStart;
            if (!startsAtEnd && _quotes % 2 == 1)
            {
                return false;
            }

            switch (_category)
            {
                case ContentCategory.Hate or ContentCategory.Violence:
                    return startsAtEnd || !Reported(index);
                case ContentCategory.SexualMinors:
                    return !Excused(sentenceStart, index + length);
                default:
                    return true;
            }
        }

        // Reads [_readTo, index) for sentence ends and quotes (the first match reads back to its sentence's start).
        private void Advance(int index)
        {
            if (_readTo < 0)
            {
                _sentenceStart = _text[..index].LastIndexOfAny(s_sentenceEnds) + 1;
                _quotes = CountQuotes(_text[_sentenceStart..index]);
                _reportedTo = _sentenceStart;
                t_charactersRead += 2L * (index - _sentenceStart);
            }
            else
            {
                ReadOnlySpan<char> read = _text[_readTo..index];
                int end = read.LastIndexOfAny(s_sentenceEnds);
                if (end >= 0)
                {
                    _sentenceStart = _readTo + end + 1;
                    _quotes = CountQuotes(_text[_sentenceStart..index]);
                    _reportedTo = _sentenceStart;
                    _reported = false;
                }
                else
                {
                    _quotes += CountQuotes(read);
                }

                t_charactersRead += read.Length + (index - (end >= 0 ? _sentenceStart : _readTo));
            }

            _readTo = index;
        }

        // Whether a speech verb occurs between the sentence's start and the match. Once found it stays found for the
        // later matches of the sentence: every match starts at a word's start or at a punctuation character, so a verb
        // read before one match ends where the text's word ends and is read the same way before the next.
        private bool Reported(int index)
        {
            if (!_reported && index > _reportedTo)
            {
                int from = Math.Max(_sentenceStart, _reportedTo - ReportedOverlap);

                // Started at "from" within the sentence so far: the word boundary before it is read in the text.
                _reported = ReportedRegex().IsMatch(_text[_sentenceStart..index], from - _sentenceStart);
                t_charactersRead += index - from;
                _reportedTo = index;
            }

            return _reported;
        }

        // Whether the sentence of a match (from its start to the first sentence end after the match) is protective text
        // without a request; read once per sentence.
        private bool Excused(int sentenceStart, int matchEnd)
        {
            if (sentenceStart != _protectiveStart || _protectiveEnd < matchEnd)
            {
                int end = _text[matchEnd..].IndexOfAny(s_sentenceEnds);
                _protectiveEnd = end < 0 ? _text.Length : matchEnd + end;
                _protectiveStart = sentenceStart;
                ReadOnlySpan<char> sentence = _text[sentenceStart.._protectiveEnd];
                _excused = ProtectiveRegex().IsMatch(sentence) && !RequestRegex().IsMatch(sentence);
                t_charactersRead += (_protectiveEnd - matchEnd) + 2L * sentence.Length;
            }

            return _excused;
        }
    }

    private static int CountQuotes(ReadOnlySpan<char> text)
    {
        int count = 0;
        for (int at = text.IndexOfAny(s_quotes); at >= 0; at = text.IndexOfAny(s_quotes))
        {
            count++;
            text = text[(at + 1)..];
        }

        return count;
    }
}
