namespace Llm.Stack;

/// <summary>What training an <see cref="EmbeddingAdapter"/> did and measured, kept inside the adapter file.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record EmbeddingAdapterReport
{
    /// <summary>Gets the number of examples trained on.</summary>
    public required int TrainingExamples { get; init; }

    /// <summary>Gets the number of held-out examples the adapter was judged on.</summary>
    public required int ValidationExamples { get; init; }

    /// <summary>Gets the number of passages ranked (the corpus the hard negatives were mined from).</summary>
    public required int Passages { get; init; }

    /// <summary>Gets the base embedder's scores on the validation examples.</summary>
    public required EmbeddingRetrievalScores BaseValidation { get; init; }

    /// <summary>Gets the adapted embedder's scores on the validation examples.</summary>
    public required EmbeddingRetrievalScores AdaptedValidation { get; init; }

    /// <summary>Gets the base embedder's scores on the training examples.</summary>
    public required EmbeddingRetrievalScores BaseTraining { get; init; }

    /// <summary>Gets the adapted embedder's scores on the training examples.</summary>
    public required EmbeddingRetrievalScores AdaptedTraining { get; init; }

    /// <summary>Gets the number of epochs run before early stopping.</summary>
    public required int Epochs { get; init; }

    /// <summary>Gets the epoch whose weights were kept (the best on the validation examples; 0 means none beat the base).</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Gets the options the adapter was trained with.</summary>
    public required EmbeddingAdapterTrainerOptions Options { get; init; }

    /// <summary>Gets the training time.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets whether the adapter ranks the validation examples better than the base embedder (a higher MRR@10).</summary>
    public bool IsImprovement => AdaptedValidation.MrrAt10 > BaseValidation.MrrAt10;
}
