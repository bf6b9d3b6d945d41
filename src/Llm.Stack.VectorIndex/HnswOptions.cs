namespace Llm.Stack.VectorIndex;

/// <summary>The parameters of the HNSW graphs of vector properties whose index kind is <c>IndexKind.Hnsw</c>.</summary>
/// <remarks>
/// A graph is built with the parameters of its collection when the collection is created; changing them later does not
/// rebuild existing graphs (a snapshot keeps the parameters it was built with). Not thread-safe: configure before use.
/// </remarks>
public sealed class HnswOptions
{
    /// <summary>Gets or sets the number of neighbours a node keeps on the upper levels (twice as many on level 0).</summary>
    /// <value>
    /// Larger values raise recall at a given <see cref="EfSearch"/> and suit high-dimensional data, but cost memory
    /// (<c>8 × M</c> bytes of links per vector on level 0) and build time. The default value is 16.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 2 or greater than 128.</exception>
    public int M { get; set => field = OptionRange.Check(value, 2, 128); } = 16;

    /// <summary>Gets or sets the size of the candidate list while inserting a vector.</summary>
    /// <value>
    /// Larger values give a better graph (higher recall for the same search cost) and a slower build; values below
    /// <see cref="M"/> make poor graphs. The default value is 200.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int EfConstruction { get; set => field = OptionRange.Check(value, 1); } = 200;

    /// <summary>Gets or sets the size of the candidate list of a search (at least <c>Skip + top</c> is used).</summary>
    /// <value>
    /// The main speed/recall trade-off: a larger list visits more nodes, so a search is slower and its recall higher.
    /// Override it per query with <see cref="HnswSearchOptions{TRecord}.EfSearch"/>. The default value is 64.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int EfSearch { get; set => field = OptionRange.Check(value, 1); } = 64;

    /// <summary>Gets or sets the seed of the generator that draws each node's level.</summary>
    /// <value>
    /// Inserting the same records in the same order with the same seed on one thread builds the same graph (and so gives
    /// the same results); a parallel bulk build draws the same levels but may link differently. The default value is 42.
    /// </value>
    public int Seed { get; set; } = 42;

    /// <summary>Gets or sets the encoding the graph walk of a search scores vectors with.</summary>
    /// <value>
    /// <see cref="VectorQuantization.None"/> scores every visited node with its float32 vector.
    /// <see cref="VectorQuantization.Int8"/> keeps int8 codes beside the float32 vectors (a quarter of their bytes, plus
    /// 8 bytes per vector) and scores visited nodes with the codes, then rescores the <see cref="EfSearch"/> candidates
    /// the walk ends with exactly in float32: a search reads far fewer bytes and its scores stay exact, while the
    /// candidate set (and so recall at a given <see cref="EfSearch"/>) can be slightly lower. The graph is always built
    /// from the float32 vectors. Applies to the cosine, dot-product and Euclidean functions; other functions are scored in
    /// float32. A snapshot keeps the encoding it was saved with. The default value is <see cref="VectorQuantization.None"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is <see cref="VectorQuantization.Binary"/> or undefined.</exception>
    public VectorQuantization Quantization
    {
        get;
        set
        {
            if (value is not (VectorQuantization.None or VectorQuantization.Int8))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "HNSW graphs are searched with None (float32) or Int8 codes.");
            }

            field = value;
        }
    }

    internal HnswParameters ToParameters() => new(M, EfConstruction, EfSearch, Seed, Quantization);
}
