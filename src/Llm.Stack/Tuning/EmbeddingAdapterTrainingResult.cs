namespace Llm.Stack;

/// <summary>The outcome of <see cref="EmbeddingAdapterTrainer"/>: the adapter when it beats the base embedder, and the report.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class EmbeddingAdapterTrainingResult
{
    internal EmbeddingAdapterTrainingResult(EmbeddingAdapter? adapter, EmbeddingAdapterReport report, IReadOnlyList<EmbeddingTrainingPair> unmatchedPairs)
    {
        Adapter = adapter;
        Report = report;
        UnmatchedPairs = unmatchedPairs;
    }

    /// <summary>
    /// Gets the trained adapter, or <see langword="null"/> when it did not rank the validation examples better than the
    /// base embedder: an adapter that is worse than no adapter is never produced, so it can never be saved.
    /// </summary>
    public EmbeddingAdapter? Adapter { get; }

    /// <summary>Gets the report: the base and adapted scores on the training and validation examples, and how training went.</summary>
    public EmbeddingAdapterReport Report { get; }

    /// <summary>Gets the pairs whose passage matched no passage of the corpus; they were left out of training.</summary>
    public IReadOnlyList<EmbeddingTrainingPair> UnmatchedPairs { get; }
}
