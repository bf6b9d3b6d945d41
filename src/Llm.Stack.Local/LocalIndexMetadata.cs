namespace Llm.Stack.Local;

/// <summary>
/// What <c>index.json</c> records about a <see cref="LocalIndex"/>: the embedder its vectors came from, and which
/// generation of the index files is the committed one.
/// </summary>
/// <remarks>Instances are immutable.</remarks>
/// <param name="EmbeddingModel">The embedder's model id.</param>
/// <param name="Dimensions">The embedder's dimensions.</param>
/// <param name="Chunks">The number of chunks when the index was committed.</param>
/// <param name="SavedAt">When the index was committed.</param>
public sealed record LocalIndexMetadata(string EmbeddingModel, int Dimensions, int Chunks, DateTimeOffset SavedAt)
{
    /// <summary>Gets the committed generation: the files <c>{collection}.{generation}.lsvi</c> and <c>{collection}.{generation}.state.json</c>.</summary>
    /// <value>0 for an index written before generations existed (<c>{collection}.lsvi</c> alone).</value>
    public long Generation { get; init; }

    /// <summary>Gets the number of documents when the index was committed.</summary>
    public int Documents { get; init; }
}
