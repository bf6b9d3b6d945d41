namespace Llm.Stack;

/// <summary>Settings for <see cref="EmbeddingClassifierTrainer"/>. The defaults suit 100–500 labelled texts.</summary>
/// <remarks>Not thread-safe while being modified; the trainer copies the values it uses.</remarks>
public sealed class EmbeddingClassifierTrainerOptions
{
    /// <summary>
    /// Gets or sets the L2 penalty on the weights (over standardised embedding dimensions): higher keeps the classifier
    /// simpler and its probabilities softer, lower fits the training texts more closely.
    /// </summary>
    /// <value>The default value is 0.01. It must be in (0, 100].</value>
    public double Regularization { get; set; } = 0.01;

    /// <summary>
    /// Gets or sets a value indicating whether each class is weighted by the inverse of its share of the examples, so that
    /// a rare class counts as much as a common one.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool BalanceClasses { get; set; } = true;

    /// <summary>Gets or sets the number of cross-validation folds, which give the report and calibrate the probabilities.</summary>
    /// <value>The default value is 5. It must be in [2, 20].</value>
    public int Folds { get; set; } = 5;

    /// <summary>Gets or sets the most optimiser (L-BFGS) iterations per fit.</summary>
    /// <value>The default value is 300.</value>
    public int MaxIterations { get; set; } = 300;

    /// <summary>Gets or sets the seed of the folds; equal seeds and examples give equal classifiers.</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; set; } = 1;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!double.IsFinite(Regularization) || Regularization <= 0 || Regularization > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, $"{nameof(Regularization)} must be a number in (0, 100].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Folds, 2, nameof(Folds));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Folds, 20, nameof(Folds));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxIterations, nameof(MaxIterations));
    }

    internal EmbeddingClassifierTrainerOptions Clone() => (EmbeddingClassifierTrainerOptions)MemberwiseClone();
}
