namespace Llm.Stack.VectorIndex;

/// <summary>The scoring parameters and text analysis of a <see cref="Bm25Index{TKey}"/>.</summary>
/// <remarks>
/// <para>
/// An index copies its options when it is created, so changing an instance afterwards does not affect an existing
/// index. The analysis settings are saved with the index by <see cref="Bm25Index{TKey}.Save(Stream, Action{BinaryWriter, TKey}?)"/>.
/// </para>
/// <para>
/// Text analysis: the text is split into words at every character that is not a Unicode letter, digit or combining mark
/// (an apostrophe between letters joins, so "don't" is one token "dont", and a possessive "'s" is dropped; a period or
/// comma between digits joins, so "3.14" is one token; each CJK ideograph, hiragana or katakana character is its own
/// token). Each word is lower-cased with the invariant culture and normalized to Unicode form C; then, in this order,
/// optional diacritic folding, optional English stop-word removal and optional stemming are applied. Words longer
/// than <see cref="MaxTokenLength"/> are skipped. Queries and documents are analyzed the same way.
/// </para>
/// </remarks>
public sealed class Bm25Options
{
    /// <summary>Gets or sets the term-frequency saturation parameter k1.</summary>
    /// <value>
    /// The default value is 1.2 (Lucene's default). Zero makes the score ignore term frequency; larger values let
    /// repeated terms count for more before saturating. Must be finite and not negative.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public double K1
    {
        get;
        set
        {
            if (!double.IsFinite(value) || value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "K1 must be a finite number greater than or equal to zero.");
            }

            field = value;
        }
    } = 1.2;

    /// <summary>Gets or sets the document-length normalization parameter b.</summary>
    /// <value>
    /// The default value is 0.75 (Lucene's default). Zero ignores document length; one normalizes fully by the ratio
    /// of the document's length to the average length. Must be between 0 and 1 inclusive.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1] or NaN.</exception>
    public double B
    {
        get;
        set
        {
            if (!(value >= 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "B must be between 0 and 1 inclusive.");
            }

            field = value;
        }
    } = 0.75;

    /// <summary>Gets or sets a value indicating whether diacritics are removed from letters ("café" matches "cafe").</summary>
    /// <value>
    /// The default value is <see langword="true"/>. Folding decomposes each word (Unicode form D), drops the combining
    /// marks and maps the letters that have no decomposition (ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ/ð → d, þ → th, ı → i).
    /// </value>
    public bool FoldDiacritics { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether common English function words are left out of the index and of queries.</summary>
    /// <value>
    /// The default value is <see langword="true"/>. The list is Lucene's English stop set (33 words: "a", "an", "and",
    /// "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of", "on", "or", "such",
    /// "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with"). BM25's IDF already
    /// gives such words little weight; removing them keeps the index smaller and queries faster.
    /// </value>
    public bool RemoveStopWords { get; set; } = true;

    /// <summary>Gets or sets the stemming applied to each token.</summary>
    /// <value>The default value is <see cref="Bm25Stemmer.EnglishMinimal"/> (English plurals only).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="Bm25Stemmer"/>.</exception>
    public Bm25Stemmer Stemmer
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown stemmer.");
            }

            field = value;
        }
    } = Bm25Stemmer.EnglishMinimal;

    /// <summary>Gets or sets the maximum length, in UTF-16 characters, of an indexed word; longer words are skipped.</summary>
    /// <value>The default value is 255 (Lucene's StandardTokenizer default). Must be between 1 and 4096.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [1, 4096].</exception>
    public int MaxTokenLength { get; set => field = OptionRange.Check(value, 1, MaxTokenLengthLimit); } = 255;

    internal const int MaxTokenLengthLimit = 4096;

    internal Bm25Options Clone() => new()
    {
        K1 = K1,
        B = B,
        FoldDiacritics = FoldDiacritics,
        RemoveStopWords = RemoveStopWords,
        Stemmer = Stemmer,
        MaxTokenLength = MaxTokenLength,
    };
}
