namespace Llm.Stack.Evaluation;

/// <summary>Options of <see cref="BleuScorer"/>, named after sacreBLEU's <c>BLEU(...)</c> arguments.</summary>
/// <remarks>
/// The defaults give sacreBLEU's default signature <c>case:mixed|eff:no|tok:13a|smooth:exp</c> at corpus level.
/// <see cref="BleuScorer"/> copies the options when it is created, so changing an instance afterwards has no effect
/// on the scorer.
/// </remarks>
public sealed class BleuOptions
{
    /// <summary>Gets or sets the tokenizer.</summary>
    /// <value>The default value is <see cref="BleuTokenizer.ThirteenA"/>, sacreBLEU's default.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="BleuTokenizer"/>.</exception>
    public BleuTokenizer Tokenizer
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown BLEU tokenizer.");
            }

            field = value;
        }
    } = BleuTokenizer.ThirteenA;

    /// <summary>Gets or sets the smoothing method.</summary>
    /// <value>The default value is <see cref="BleuSmoothing.Exponential"/>, sacreBLEU's default.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="BleuSmoothing"/>.</exception>
    public BleuSmoothing Smoothing
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown BLEU smoothing method.");
            }

            field = value;
        }
    } = BleuSmoothing.Exponential;

    /// <summary>
    /// Gets or sets the value of the <see cref="BleuSmoothing.Floor"/> and <see cref="BleuSmoothing.AddK"/> methods.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: sacreBLEU's defaults, 0.1 for <c>floor</c> and 1 for <c>add-k</c>.
    /// Ignored by the other methods.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public double? SmoothingValue
    {
        get;
        set
        {
            if (value is { } v && (v < 0 || !double.IsFinite(v)))
            {
                throw new ArgumentOutOfRangeException(nameof(value), v, "The smoothing value must be a finite non-negative number.");
            }

            field = value;
        }
    }

    /// <summary>Gets or sets a value indicating whether hypotheses and references are lower-cased before tokenizing.</summary>
    /// <value>The default value is <see langword="false"/> (sacreBLEU's <c>case:mixed</c>).</value>
    public bool Lowercase { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether n-gram orders that the hypothesis does not have are left out of the
    /// geometric mean (sacreBLEU's <c>effective_order</c>).
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: off for <see cref="BleuScorer.CorpusScore"/> (as sacreBLEU's
    /// <c>BLEU()</c> and <c>corpus_bleu</c>) and on for <see cref="BleuScorer.SentenceScore"/> (as sacreBLEU's
    /// <c>sentence_bleu</c>, which sacreBLEU recommends for sentence-level BLEU). <see langword="true"/> or
    /// <see langword="false"/> applies to both.
    /// </value>
    public bool? EffectiveOrder { get; set; }

    /// <summary>Gets or sets the maximum n-gram order (sacreBLEU's <c>max_ngram_order</c>).</summary>
    /// <value>The default value is 4.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1 or greater than 9.</exception>
    public int MaxNgramOrder { get; set => field = OptionRange.Check(value, 1, 9); } = 4;

    internal BleuOptions Clone() => (BleuOptions)MemberwiseClone();
}
