namespace Llm.Stack;

/// <summary>Settings for <see cref="EmbeddingAdapterTrainer"/>. The defaults suit 100–500 labelled pairs.</summary>
/// <remarks>Not thread-safe while being modified; the trainer copies the values it uses.</remarks>
public sealed class EmbeddingAdapterTrainerOptions
{
    /// <summary>Gets or sets the rank of the low-rank map, or 0 for a full <c>d × d</c> matrix. Default 0.</summary>
    public int Rank { get; set; }

    /// <summary>Gets or sets the most epochs to run. Default 60.</summary>
    public int MaxEpochs { get; set; } = 60;

    /// <summary>Gets or sets how many epochs without a better validation MRR@10 stop training early. Default 8.</summary>
    public int Patience { get; set; } = 8;

    /// <summary>Gets or sets the number of examples per step; the batch's other positives are its in-batch negatives. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Gets or sets the Adam learning rate. Default 0.0001.</summary>
    public double LearningRate { get; set; } = 0.0001;

    /// <summary>Gets or sets the L2 penalty on the learned map, which keeps the adapter near the base embedder. Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Gets or sets the factor applied to cosine similarities before the softmax (an inverse temperature). Default 20.</summary>
    public double Scale { get; set; } = 20;

    /// <summary>Gets or sets the number of hard negatives mined per query: the passages the base embedder ranks highest that are not relevant. Default 8.</summary>
    public int HardNegatives { get; set; } = 8;

    /// <summary>Gets or sets the share of the examples held out to judge the adapter and stop early. Default 0.2.</summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>Gets or sets the seed of the split, the initialisation and the batch order; equal seeds give equal adapters. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Rank, nameof(Rank));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxEpochs, nameof(MaxEpochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Patience, nameof(Patience));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(HardNegatives, nameof(HardNegatives));
        RequireRange(LearningRate, 0, 1, nameof(LearningRate), inclusiveLow: false);
        RequireRange(WeightDecay, 0, 1, nameof(WeightDecay), inclusiveLow: true);
        RequireRange(Scale, 0, 1000, nameof(Scale), inclusiveLow: false);
        RequireRange(ValidationFraction, 0, 0.9, nameof(ValidationFraction), inclusiveLow: false);
    }

    internal EmbeddingAdapterTrainerOptions Clone() => (EmbeddingAdapterTrainerOptions)MemberwiseClone();

    private static void RequireRange(double value, double low, double high, string name, bool inclusiveLow)
    {
        bool ok = double.IsFinite(value) && (inclusiveLow ? value >= low : value > low) && value <= high;
        if (!ok)
        {
            string interval = (inclusiveLow ? "[" : "(") + $"{low}, {high}]";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a number in {interval}.");
        }
    }
}
