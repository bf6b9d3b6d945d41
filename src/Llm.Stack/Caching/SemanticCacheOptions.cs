using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>The settings of a semantic cache (<c>ChatClientBuilder.UseSemanticCache(...)</c>).</summary>
/// <remarks>Read when the cache is built; do not change an instance after that.</remarks>
public sealed class SemanticCacheOptions
{
    /// <summary>Gets or sets the least cosine similarity between a new prompt's embedding and a cached one's for the cached answer to be served.</summary>
    /// <value>Above 0 and at most 1. The default value is 0.95.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not above 0 and at most 1.</exception>
    public double SimilarityThreshold { get; set => field = OptionRange.CheckAbove(value, 0d, 1d); } = 0.95;

    /// <summary>Gets or sets how long a cached answer may be served after it was given.</summary>
    /// <value>Above zero. The default value is one hour.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan TimeToLive { get; set => field = OptionRange.CheckAbove(value, TimeSpan.Zero); } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the name of the collection the cached answers are kept in (in the cache's own store, the prefix of each partition's collection: the name, <c>_</c>, the partition).</summary>
    /// <value>The default value is <c>llm_stack_semantic_cache</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public string CollectionName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "llm_stack_semantic_cache";

    /// <summary>Gets or sets the store that keeps the cached answers; any Microsoft.Extensions.VectorData store whose collections filter on equality and compare vectors by cosine similarity.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: an in-memory store (<c>Llm.Stack.VectorIndex.InMemoryVectorStore</c>) of
    /// the cache's own, HNSW-indexed, with a collection per partition (fast at any size, approximate beyond 2,000 answers
    /// per partition; see <c>UseSemanticCache</c>). A store given here keeps every answer in one collection and filters on
    /// the partition per lookup.
    /// </value>
    public VectorStore? VectorStore { get; set; }

    /// <summary>Gets or sets the embedder of prompts.</summary>
    /// <value>The default value is <see langword="null"/>: the service provider's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float embeddings.</value>
    public IEmbeddingGenerator<string, Embedding<float>>? EmbeddingGenerator { get; set; }

    /// <summary>Gets or sets the clock that times answers out.</summary>
    /// <value>The default value is <see langword="null"/>: the service provider's <see cref="System.TimeProvider"/>, else the system clock.</value>
    public TimeProvider? TimeProvider { get; set; }
}
