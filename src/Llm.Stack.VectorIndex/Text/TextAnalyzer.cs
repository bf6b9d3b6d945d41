using System.Globalization;
using System.Text;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Splits text into normalized terms as described in <see cref="Bm25Options"/>: Unicode word segmentation,
/// invariant lower-casing, NFC, optional diacritic folding, optional English stop words, optional stemming.
/// </summary>
/// <remarks>Immutable and thread-safe; the caller provides the output buffer.</remarks>
internal sealed class TextAnalyzer
{
    private readonly bool _fold;
    private readonly bool _stopWords;
    private readonly Bm25Stemmer _stemmer;
    private readonly int _maxTokenLength;

    public TextAnalyzer(Bm25Options options)
    {
        _fold = options.FoldDiacritics;
        _stopWords = options.RemoveStopWords;
        _stemmer = options.Stemmer;
        _maxTokenLength = options.MaxTokenLength;
    }

    /// <summary>Analyzes <paramref name="text"/> and appends its terms, in order, to <paramref name="output"/>.</summary>
    public void Analyze(ReadOnlySpan<char> text, TokenList output)
    {
        // Worst case a rune lower-cases to two UTF-16 units; words longer than the limit are skipped anyway.
        Span<char> word = stackalloc char[Bm25Options.MaxTokenLengthLimit + 2];
        int length = 0;
        bool overflow = false;
        bool ascii = true;
        int i = 0;
        while (i < text.Length)
        {
            if (Rune.DecodeFromUtf16(text[i..], out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                // A lone surrogate separates words.
                Flush(word, ref length, ref overflow, ref ascii, output);
                i += Math.Max(consumed, 1);
                continue;
            }

            i += consumed;
            if (IsCjk(rune.Value))
            {
                Flush(word, ref length, ref overflow, ref ascii, output);
                Append(word, ref length, ref overflow, ref ascii, Rune.ToLowerInvariant(rune));
                Flush(word, ref length, ref overflow, ref ascii, output);
                continue;
            }

            UnicodeCategory category = Rune.GetUnicodeCategory(rune);
            if (IsLetterOrDigit(category) || (IsMark(category) && (length > 0 || overflow)))
            {
                Append(word, ref length, ref overflow, ref ascii, Rune.ToLowerInvariant(rune));
                continue;
            }

            if (length > 0 && !overflow && i < text.Length)
            {
                char c = rune.Value <= char.MaxValue ? (char)rune.Value : '\0';
                char next = text[i];
                char previous = word[length - 1];
                if ((c == '\'' || c == '\u2019') && char.IsLetter(previous))
                {
                    // Possessive "'s" at the end of a word is dropped; an apostrophe between letters joins ("don't").
                    if ((next == 's' || next == 'S') && (i + 1 == text.Length || !char.IsLetterOrDigit(text[i + 1])))
                    {
                        i++;
                        Flush(word, ref length, ref overflow, ref ascii, output);
                        continue;
                    }

                    if (char.IsLetter(next))
                    {
                        continue;
                    }
                }
                else if ((c == '.' || c == ',') && char.IsAsciiDigit(previous) && char.IsAsciiDigit(next))
                {
                    // "3.14", "1,000": one number.
                    Append(word, ref length, ref overflow, ref ascii, new Rune(c));
                    continue;
                }
            }

            Flush(word, ref length, ref overflow, ref ascii, output);
        }

        Flush(word, ref length, ref overflow, ref ascii, output);
    }

    private static bool IsLetterOrDigit(UnicodeCategory category) => category is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or
        UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static bool IsMark(UnicodeCategory category) => category is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>Han ideographs, hiragana and katakana: each one is a token of its own, as in Lucene's StandardTokenizer.</summary>
    private static bool IsCjk(int value) =>
        value is (>= 0x3040 and <= 0x30FF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF) or
            (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3134F);

    private static void Append(Span<char> word, ref int length, ref bool overflow, ref bool ascii, Rune rune)
    {
        if (overflow)
        {
            return;
        }

        if (length + rune.Utf16SequenceLength > word.Length - 2 || length >= Bm25Options.MaxTokenLengthLimit)
        {
            overflow = true;
            return;
        }

        ascii &= rune.IsAscii;
        length += rune.EncodeToUtf16(word[length..]);
    }

    private void Flush(Span<char> word, ref int length, ref bool overflow, ref bool ascii, TokenList output)
    {
        int n = length;
        bool skip = overflow;
        bool isAscii = ascii;
        length = 0;
        overflow = false;
        ascii = true;
        if (n == 0 || skip)
        {
            return;
        }

        if (isAscii)
        {
            Emit(word[..n], output);
            return;
        }

        string normalized = Normalize(word[..n]);
        Emit(normalized.AsSpan(), output);
    }

    private string Normalize(ReadOnlySpan<char> word)
    {
        string text = new(word);
        if (!_fold)
        {
            return text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        }

        string decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length + 2);
        foreach (char c in decomposed)
        {
            switch (c)
            {
                case 'ß':
                    builder.Append("ss");
                    break;
                case 'æ':
                    builder.Append("ae");
                    break;
                case 'œ':
                    builder.Append("oe");
                    break;
                case 'ø':
                    builder.Append('o');
                    break;
                case 'ł':
                    builder.Append('l');
                    break;
                case 'đ':
                case 'ð':
                    builder.Append('d');
                    break;
                case 'þ':
                    builder.Append("th");
                    break;
                case 'ı':
                    builder.Append('i');
                    break;
                default:
                    if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    private void Emit(ReadOnlySpan<char> term, TokenList output)
    {
        if (term.Length == 0 || term.Length > _maxTokenLength)
        {
            return;
        }

        if (_stopWords && EnglishStopWords.Contains(term))
        {
            return;
        }

        if (_stemmer == Bm25Stemmer.EnglishMinimal && term[^1] == 's')
        {
            Span<char> buffer = stackalloc char[term.Length];
            term.CopyTo(buffer);
            int n = EnglishMinimalStemmer.Stem(buffer);
            output.Add(buffer[..n]);
            return;
        }

        output.Add(term);
    }
}
