namespace Llm.Stack;

/// <summary>Per-call options of <see cref="IRetriever.RetrieveAsync"/>.</summary>
/// <remarks>Do not mutate an instance while a call that received it is running.</remarks>
public class RetrievalOptions
{
    /// <summary>Gets or sets the maximum number of chunks to return.</summary>
    /// <value>The default value is 5.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int Top { get; set => field = OptionRange.Check(value, 1); } = 5;

    /// <summary>Gets or sets the minimum score a chunk must reach to be returned, on the retriever's scale.</summary>
    /// <value>The default value is <see langword="null"/>: no threshold.</value>
    public double? ScoreThreshold { get; set; }

    /// <summary>
    /// Gets or sets metadata that returned chunks must match: each key must be present in
    /// <see cref="DocumentChunk.Metadata"/> with an equal value.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no filter.</value>
    public IReadOnlyDictionary<string, object?>? MetadataFilter { get; set; }
}
