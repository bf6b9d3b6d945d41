namespace Llm.Stack.Evaluation;

/// <summary>
/// The Porter stemmer as NLTK's <c>PorterStemmer()</c> implements it in its default <c>NLTK_EXTENSIONS</c> mode (the
/// stemmer that Google's <c>rouge-score</c> uses): Porter's 1980 algorithm with Martin Porter's later changes and
/// NLTK's extensions (irregular forms such as <c>dying</c> → <c>die</c>, <c>ies</c>/<c>ied</c> on four-letter words,
/// <c>y</c> → <c>i</c> only after a consonant, <c>alli</c>, <c>fulli</c>, <c>logi</c> and <c>bli</c> rules, and no
/// stemming of words of two letters or fewer).
/// </summary>
/// <remarks>
/// Written from NLTK's <c>nltk/stem/porter.py</c>; its output was checked word by word against Debian's
/// <c>python3-nltk</c> (see the test data). Input is lower-cased first (as NLTK's default <c>to_lowercase=True</c>).
/// The type is stateless and safe to use concurrently from several threads.
/// </remarks>
internal static class PorterStemmer
{
    private static readonly Dictionary<string, string> IrregularForms = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky",
        ["skies"] = "sky",
        ["dying"] = "die",
        ["lying"] = "lie",
        ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning",
        ["inning"] = "inning",
        ["outings"] = "outing",
        ["outing"] = "outing",
        ["cannings"] = "canning",
        ["canning"] = "canning",
        ["howe"] = "howe",
        ["proceed"] = "proceed",
        ["exceed"] = "exceed",
        ["succeed"] = "succeed",
    };

    private static readonly (string Suffix, string Replacement)[] Step2Rules =
    [
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("bli", "ble"),
        ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
        ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
        ("iviti", "ive"), ("biliti", "ble"), ("fulli", "ful"),
    ];

    private static readonly (string Suffix, string Replacement)[] Step3Rules =
    [
        ("icate", "ic"), ("ative", string.Empty), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", string.Empty), ("ness", string.Empty),
    ];

    private static readonly string[] Step4Suffixes =
    [
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
    ];

    /// <summary>Stems one word.</summary>
    /// <param name="word">The word.</param>
    /// <returns>The stem, lower-cased.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="word"/> is <see langword="null"/>.</exception>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var stem = word.ToLowerInvariant();
        if (IrregularForms.TryGetValue(word, out var irregular))
        {
            return irregular;
        }

        if (word.Length <= 2)
        {
            return stem;
        }

        stem = Step1a(stem);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = Step3(stem);
        stem = Step4(stem);
        stem = Step5a(stem);
        stem = Step5b(stem);
        return stem;
    }

    private static bool IsConsonant(string word, int i)
    {
        // Iterative form of NLTK's recursive definition: 'y' is a consonant at 0 or after a vowel.
        while (true)
        {
            var c = word[i];
            if (c is 'a' or 'e' or 'i' or 'o' or 'u')
            {
                return false;
            }

            if (c != 'y')
            {
                return true;
            }

            if (i == 0)
            {
                return true;
            }

            // y is a consonant iff the previous letter is not a consonant.
            return !IsConsonant(word, i - 1);
        }
    }

    private static int Measure(ReadOnlySpan<char> stem, string word)
    {
        // Counts "vc" in the consonant/vowel sequence of word[0..stem.Length].
        var count = 0;
        var previousVowel = false;
        for (var i = 0; i < stem.Length; i++)
        {
            var consonant = IsConsonant(word, i);
            if (consonant && previousVowel)
            {
                count++;
            }

            previousVowel = !consonant;
        }

        return count;
    }

    private static int Measure(string stem) => Measure(stem, stem);

    private static bool ContainsVowel(string stem)
    {
        for (var i = 0; i < stem.Length; i++)
        {
            if (!IsConsonant(stem, i))
            {
                return true;
            }
        }

        return false;
    }

    private static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    private static bool EndsCvc(string word) =>
        (word.Length >= 3
            && IsConsonant(word, word.Length - 3)
            && !IsConsonant(word, word.Length - 2)
            && IsConsonant(word, word.Length - 1)
            && word[^1] is not ('w' or 'x' or 'y'))
        || (word.Length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1));

    private static string Cut(string word, string suffix) => word[..^suffix.Length];

    private static string Step1a(string word)
    {
        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length == 4)
        {
            return Cut(word, "ies") + "ie";
        }

        if (word.EndsWith("sses", StringComparison.Ordinal))
        {
            return Cut(word, "sses") + "ss";
        }

        if (word.EndsWith("ies", StringComparison.Ordinal))
        {
            return Cut(word, "ies") + "i";
        }

        if (word.EndsWith("ss", StringComparison.Ordinal))
        {
            return word;
        }

        if (word.EndsWith('s'))
        {
            return word[..^1];
        }

        return word;
    }

    private static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal))
        {
            return word.Length == 4 ? Cut(word, "ied") + "ie" : Cut(word, "ied") + "i";
        }

        if (word.EndsWith("eed", StringComparison.Ordinal))
        {
            var stem = Cut(word, "eed");
            return Measure(stem) > 0 ? stem + "ee" : word;
        }

        string? intermediate = null;
        foreach (var suffix in (ReadOnlySpan<string>)["ed", "ing"])
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal))
            {
                var candidate = Cut(word, suffix);
                if (ContainsVowel(candidate))
                {
                    intermediate = candidate;
                    break;
                }
            }
        }

        if (intermediate is null)
        {
            return word;
        }

        // The first applicable rule decides (NLTK's _apply_rule_list).
        if (intermediate.EndsWith("at", StringComparison.Ordinal))
        {
            return intermediate + "e";
        }

        if (intermediate.EndsWith("bl", StringComparison.Ordinal))
        {
            return intermediate + "e";
        }

        if (intermediate.EndsWith("iz", StringComparison.Ordinal))
        {
            return intermediate + "e";
        }

        if (EndsDoubleConsonant(intermediate))
        {
            var last = intermediate[^1];
            return last is 'l' or 's' or 'z' ? intermediate : intermediate[..^1];
        }

        return Measure(intermediate) == 1 && EndsCvc(intermediate) ? intermediate + "e" : intermediate;
    }

    private static string Step1c(string word)
    {
        if (word.EndsWith('y'))
        {
            var stem = word[..^1];
            return stem.Length > 1 && IsConsonant(stem, stem.Length - 1) ? stem + "i" : word;
        }

        return word;
    }

    private static string Step2(string word)
    {
        if (word.EndsWith("alli", StringComparison.Ordinal) && Measure(Cut(word, "alli")) > 0)
        {
            return Step2(Cut(word, "alli") + "al");
        }

        foreach (var (suffix, replacement) in Step2Rules)
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = Cut(word, suffix);
                return Measure(stem) > 0 ? stem + replacement : word;
            }
        }

        // NLTK extension: (m>0 on the stem including the 'l') LOGI -> LOG.
        if (word.EndsWith("logi", StringComparison.Ordinal))
        {
            return Measure(word[..^3]) > 0 ? word[..^1] : word;
        }

        return word;
    }

    private static string Step3(string word)
    {
        foreach (var (suffix, replacement) in Step3Rules)
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = Cut(word, suffix);
                return Measure(stem) > 0 ? stem + replacement : word;
            }
        }

        return word;
    }

    private static string Step4(string word)
    {
        foreach (var suffix in Step4Suffixes)
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = Cut(word, suffix);
                var ok = Measure(stem) > 1 && (suffix != "ion" || (stem.Length > 0 && stem[^1] is 's' or 't'));
                return ok ? stem : word;
            }
        }

        return word;
    }

    private static string Step5a(string word)
    {
        if (word.EndsWith('e'))
        {
            var stem = word[..^1];
            var m = Measure(stem);
            if (m > 1 || (m == 1 && !EndsCvc(stem)))
            {
                return stem;
            }
        }

        return word;
    }

    private static string Step5b(string word)
    {
        if (word.EndsWith("ll", StringComparison.Ordinal))
        {
            return Measure(word[..^1]) > 1 ? word[..^1] : word;
        }

        return word;
    }
}
