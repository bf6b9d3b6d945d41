using Microsoft.Extensions.AI;

namespace Llm.Stack.VectorIndex;

/// <summary>Options of an <see cref="InMemoryVectorStore"/>.</summary>
/// <remarks>Read when the store is created; changing them afterwards has no effect on that store.</remarks>
public sealed class InMemoryVectorStoreOptions
{
    /// <summary>Gets or sets the default embedding generator of the store's collections.</summary>
    /// <value>
    /// Used for vector properties whose type is not a vector (for example <see cref="string"/>) and for searching
    /// with a non-vector value. A generator on the collection definition or the property takes precedence.
    /// The default value is <see langword="null"/>.
    /// </value>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>Gets or sets the maximum number of cores one search uses.</summary>
    /// <value>
    /// Large collections are split into this many partitions scanned in parallel; 1 keeps every search on the
    /// calling thread. The default value is <see cref="Environment.ProcessorCount"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = Environment.ProcessorCount;
}
