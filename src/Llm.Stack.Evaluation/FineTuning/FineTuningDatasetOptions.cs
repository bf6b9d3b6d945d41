namespace Llm.Stack.Evaluation;

/// <summary>Options of <see cref="FineTuningDatasetBuilder"/>.</summary>
/// <remarks>The builder copies the values when it is created.</remarks>
public sealed class FineTuningDatasetOptions
{
    /// <summary>Gets or sets the fraction of the (de-duplicated) examples put in the validation set.</summary>
    /// <value>The default value is 0.1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    public double ValidationFraction
    {
        get;
        set
        {
            if (!(value is >= 0 and < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The validation fraction must be in [0, 1).");
            }

            field = value;
        }
    } = 0.1;

    /// <summary>Gets or sets the seed of the train/validation shuffle; the same seed and examples give the same split.</summary>
    /// <value>The default value is 0.</value>
    public int Seed { get; set; }

    /// <summary>Gets or sets the minimum number of examples (after de-duplication) the dataset must have.</summary>
    /// <value>The default value is 10, OpenAI's minimum for chat fine-tuning.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MinimumExamples { get; set => field = OptionRange.Check(value, 0); } = 10;

    /// <summary>Gets or sets the maximum tokens of one example (the model's training context length).</summary>
    /// <value>The default value is 16385.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxTokensPerExample { get; set => field = OptionRange.Check(value, 1); } = 16385;

    /// <summary>Gets or sets a value indicating whether exact duplicate conversations are removed (the first is kept).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RemoveDuplicates { get; set; } = true;

    internal FineTuningDatasetOptions Clone() => (FineTuningDatasetOptions)MemberwiseClone();
}
