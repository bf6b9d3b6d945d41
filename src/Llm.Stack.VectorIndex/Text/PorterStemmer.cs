namespace Llm.Stack.VectorIndex;

/// <summary>
/// Porter's stemming algorithm (M.F. Porter, "An algorithm for suffix stripping", Program 14(3), 1980), with the two
/// departures of Porter's own reference implementation that Lucene's <c>PorterStemFilter</c> also has (-bli → -ble and
/// -logi → -log in step 2). Words that are not all ASCII letters, and words of one or two letters, are left alone.
/// </summary>
internal ref struct PorterStemmer
{
    private readonly Span<char> _b;
    private int _k;
    private int _j;

    private PorterStemmer(Span<char> word)
    {
        _b = word;
        _k = word.Length - 1;
        _j = 0;
    }

    /// <summary>Stems <paramref name="word"/> (lower-case) in place and returns its new length.</summary>
    public static int Stem(Span<char> word)
    {
        if (word.Length <= 2)
        {
            return word.Length;
        }

        foreach (char c in word)
        {
            if (c is < 'a' or > 'z')
            {
                return word.Length;
            }
        }

        var stemmer = new PorterStemmer(word);
        stemmer.Step1ab();
        if (stemmer._k > 0)
        {
            stemmer.Step1c();
            stemmer.Step2();
            stemmer.Step3();
            stemmer.Step4();
            stemmer.Step5();
        }

        return stemmer._k + 1;
    }

    /// <summary>Whether <c>b[i]</c> is a consonant ('y' is one at the start or after a vowel).</summary>
    private readonly bool IsConsonant(int i) => _b[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(i - 1),
        _ => true,
    };

    /// <summary>The number of vowel-consonant sequences in <c>b[0..j]</c>: the m of [C](VC)^m[V].</summary>
    private readonly int Measure()
    {
        int n = 0;
        int i = 0;
        while (true)
        {
            if (i > _j)
            {
                return n;
            }

            if (!IsConsonant(i))
            {
                break;
            }

            i++;
        }

        i++;
        while (true)
        {
            while (true)
            {
                if (i > _j)
                {
                    return n;
                }

                if (IsConsonant(i))
                {
                    break;
                }

                i++;
            }

            i++;
            n++;
            while (true)
            {
                if (i > _j)
                {
                    return n;
                }

                if (!IsConsonant(i))
                {
                    break;
                }

                i++;
            }

            i++;
        }
    }

    private readonly bool VowelInStem()
    {
        for (int i = 0; i <= _j; i++)
        {
            if (!IsConsonant(i))
            {
                return true;
            }
        }

        return false;
    }

    private readonly bool DoubleConsonant(int i) => i >= 1 && _b[i] == _b[i - 1] && IsConsonant(i);

    /// <summary>Whether <c>b[i-2..i]</c> is consonant-vowel-consonant and the last is not w, x or y.</summary>
    private readonly bool Cvc(int i) =>
        i >= 2 && IsConsonant(i) && !IsConsonant(i - 1) && IsConsonant(i - 2) && _b[i] is not ('w' or 'x' or 'y');

    private bool Ends(string suffix)
    {
        int length = suffix.Length;
        if (length > _k + 1 || !_b.Slice(_k - length + 1, length).SequenceEqual(suffix))
        {
            return false;
        }

        _j = _k - length;
        return true;
    }

    private void SetTo(string replacement)
    {
        replacement.AsSpan().CopyTo(_b[(_j + 1)..]);
        _k = _j + replacement.Length;
    }

    private void ReplaceIfMeasured(string replacement)
    {
        if (Measure() > 0)
        {
            SetTo(replacement);
        }
    }

    /// <summary>Plurals and -ed or -ing.</summary>
    private void Step1ab()
    {
        if (_b[_k] == 's')
        {
            if (Ends("sses"))
            {
                _k -= 2;
            }
            else if (Ends("ies"))
            {
                SetTo("i");
            }
            else if (_b[_k - 1] != 's')
            {
                _k--;
            }
        }

        if (Ends("eed"))
        {
            if (Measure() > 0)
            {
                _k--;
            }
        }
        else if ((Ends("ed") || Ends("ing")) && VowelInStem())
        {
            _k = _j;
            if (Ends("at"))
            {
                SetTo("ate");
            }
            else if (Ends("bl"))
            {
                SetTo("ble");
            }
            else if (Ends("iz"))
            {
                SetTo("ize");
            }
            else if (DoubleConsonant(_k))
            {
                _k--;
                if (_b[_k] is 'l' or 's' or 'z')
                {
                    _k++;
                }
            }
            else if (Measure() == 1 && Cvc(_k))
            {
                SetTo("e");
            }
        }
    }

    /// <summary>Terminal y to i when there is another vowel in the stem.</summary>
    private void Step1c()
    {
        if (Ends("y") && VowelInStem())
        {
            _b[_k] = 'i';
        }
    }

    /// <summary>Double suffixes to single ones, when m &gt; 0.</summary>
    private void Step2()
    {
        switch (_b[_k - 1])
        {
            case 'a':
                if (Ends("ational")) { ReplaceIfMeasured("ate"); break; }
                if (Ends("tional")) { ReplaceIfMeasured("tion"); }
                break;
            case 'c':
                if (Ends("enci")) { ReplaceIfMeasured("ence"); break; }
                if (Ends("anci")) { ReplaceIfMeasured("ance"); }
                break;
            case 'e':
                if (Ends("izer")) { ReplaceIfMeasured("ize"); }
                break;
            case 'l':
                if (Ends("bli")) { ReplaceIfMeasured("ble"); break; }
                if (Ends("alli")) { ReplaceIfMeasured("al"); break; }
                if (Ends("entli")) { ReplaceIfMeasured("ent"); break; }
                if (Ends("eli")) { ReplaceIfMeasured("e"); break; }
                if (Ends("ousli")) { ReplaceIfMeasured("ous"); }
                break;
            case 'o':
                if (Ends("ization")) { ReplaceIfMeasured("ize"); break; }
                if (Ends("ation")) { ReplaceIfMeasured("ate"); break; }
                if (Ends("ator")) { ReplaceIfMeasured("ate"); }
                break;
            case 's':
                if (Ends("alism")) { ReplaceIfMeasured("al"); break; }
                if (Ends("iveness")) { ReplaceIfMeasured("ive"); break; }
                if (Ends("fulness")) { ReplaceIfMeasured("ful"); break; }
                if (Ends("ousness")) { ReplaceIfMeasured("ous"); }
                break;
            case 't':
                if (Ends("aliti")) { ReplaceIfMeasured("al"); break; }
                if (Ends("iviti")) { ReplaceIfMeasured("ive"); break; }
                if (Ends("biliti")) { ReplaceIfMeasured("ble"); }
                break;
            case 'g':
                if (Ends("logi")) { ReplaceIfMeasured("log"); }
                break;
        }
    }

    /// <summary>-ic-, -full, -ness etc., when m &gt; 0.</summary>
    private void Step3()
    {
        switch (_b[_k])
        {
            case 'e':
                if (Ends("icate")) { ReplaceIfMeasured("ic"); break; }
                if (Ends("ative")) { ReplaceIfMeasured(string.Empty); break; }
                if (Ends("alize")) { ReplaceIfMeasured("al"); }
                break;
            case 'i':
                if (Ends("iciti")) { ReplaceIfMeasured("ic"); }
                break;
            case 'l':
                if (Ends("ical")) { ReplaceIfMeasured("ic"); break; }
                if (Ends("ful")) { ReplaceIfMeasured(string.Empty); }
                break;
            case 's':
                if (Ends("ness")) { ReplaceIfMeasured(string.Empty); }
                break;
        }
    }

    /// <summary>-ant, -ence etc., when m &gt; 1.</summary>
    private void Step4()
    {
        bool found;
        switch (_b[_k - 1])
        {
            case 'a':
                found = Ends("al");
                break;
            case 'c':
                found = Ends("ance") || Ends("ence");
                break;
            case 'e':
                found = Ends("er");
                break;
            case 'i':
                found = Ends("ic");
                break;
            case 'l':
                found = Ends("able") || Ends("ible");
                break;
            case 'n':
                found = Ends("ant") || Ends("ement") || Ends("ment") || Ends("ent");
                break;
            case 'o':
                found = (Ends("ion") && _j >= 0 && _b[_j] is 's' or 't') || Ends("ou");
                break;
            case 's':
                found = Ends("ism");
                break;
            case 't':
                found = Ends("ate") || Ends("iti");
                break;
            case 'u':
                found = Ends("ous");
                break;
            case 'v':
                found = Ends("ive");
                break;
            case 'z':
                found = Ends("ize");
                break;
            default:
                found = false;
                break;
        }

        if (found && Measure() > 1)
        {
            _k = _j;
        }
    }

    /// <summary>A final -e when m &gt; 1 (or m = 1 and not *o), and -ll to -l when m &gt; 1.</summary>
    private void Step5()
    {
        _j = _k;
        if (_b[_k] == 'e')
        {
            int m = Measure();
            if (m > 1 || (m == 1 && !Cvc(_k - 1)))
            {
                _k--;
            }
        }

        if (_b[_k] == 'l' && DoubleConsonant(_k) && Measure() > 1)
        {
            _k--;
        }
    }
}
