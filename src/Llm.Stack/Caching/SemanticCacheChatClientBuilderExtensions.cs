using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Microsoft.Extensions.AI;

/// <summary>Adds a semantic cache to a <see cref="ChatClientBuilder"/>: answers reused for prompts that mean the same.</summary>
public static class SemanticCacheChatClientBuilderExtensions
{
    /// <summary>The key, in a served answer's <see cref="ChatResponse.AdditionalProperties"/>, of the cosine similarity (a <see cref="double"/>) of the cached prompt it was given to.</summary>
    public const string CacheHitKey = "llm_stack.semantic_cache.similarity";

    /// <summary>
    /// Adds a semantic cache: a call whose last user message embeds within <see cref="SemanticCacheOptions.SimilarityThreshold"/>
    /// (cosine similarity) of a cached prompt's, in the same partition, is answered from the cache, whole or streamed; any
    /// other call goes on, and its answer is cached for <see cref="SemanticCacheOptions.TimeToLive"/>.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="configure">Configures the cache; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// <para>
    /// A partition is the tenant of the ambient <see cref="UsageScope"/>, the model (<see cref="ChatOptions.ModelId"/>, else
    /// the client's default), and everything of the request besides its last user message: instructions, earlier messages
    /// and the options that change an answer (temperature, top-p/k, penalties, seed, stop sequences, response format, answer
    /// length). An answer is never served to another tenant, another model or another conversation. Requests with tools,
    /// non-text content, or a last message that is not the user's pass through uncached; answers that call functions or
    /// did not finish with <see cref="ChatFinishReason.Stop"/> (cut short, or ended without a finish reason) are not cached. A served answer carries no usage and names its similarity under <see cref="CacheHitKey"/>.
    /// </para>
    /// <para>
    /// The answers live in <see cref="SemanticCacheOptions.VectorStore"/> (collection <see cref="SemanticCacheOptions.CollectionName"/>,
    /// records <see cref="SemanticCacheRecord"/>), by default an in-memory store of the cache's own; prompts are embedded
    /// by <see cref="SemanticCacheOptions.EmbeddingGenerator"/>, else the service provider's embedding generator (building
    /// fails with an <see cref="InvalidOperationException"/> when there is none). Expired answers are never served and are
    /// deleted at most once a minute, when an answer is stored.
    /// </para>
    /// <para>
    /// The cache's own store indexes with HNSW and keeps each partition in a collection of its own, so a lookup costs about
    /// the same whatever the other partitions hold, and grows slowly with its own partition's size; the trade is that HNSW
    /// is approximate (a partition of more than 2,000 answers is searched through the graph, which can miss a cached prompt
    /// asked again, rarely on real prompt embeddings) and that each partition's collection costs memory of its own (its
    /// first 16 rows are reserved at once). A store given in <see cref="SemanticCacheOptions.VectorStore"/> holds every
    /// answer in one collection and filters each lookup on the partition: there the lookup cost is the store's filtered
    /// search over all the answers. Give an index that prefilters on an indexed field (a database's HNSW index with an
    /// index on <see cref="SemanticCacheRecord.Partition"/>), or an <c>InMemoryVectorStore</c> with <c>IndexKind = "Hnsw"</c>
    /// when most answers share few partitions (its filter reads every record when the partition is small); an exact
    /// (flat) store is exact but reads every answer per lookup. <c>benchmarks/RESULTS.md</c> has the numbers.
    /// </para>
    /// <para>
    /// Exact-match caching is Microsoft.Extensions.AI's <c>UseDistributedCache(...)</c>: put it above this layer
    /// (<c>.UseDistributedCache(cache).UseSemanticCache()</c>) so that a repeated request is served by its exact key without
    /// an embedding, and one that only means the same by this layer. Put both above <c>UseUsageLedger()</c>, so that served
    /// answers cost nothing, and below guardrails, so that cached answers are checked like fresh ones. Thread-safe.
    /// </para>
    /// </remarks>
    public static ChatClientBuilder UseSemanticCache(this ChatClientBuilder builder, Action<SemanticCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var options = new SemanticCacheOptions();
            configure?.Invoke(options);
            IEmbeddingGenerator<string, Embedding<float>> embedder = options.EmbeddingGenerator
                ?? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>()
                ?? throw new InvalidOperationException(
                    "UseSemanticCache embeds prompts, but no embedding generator is set (SemanticCacheOptions.EmbeddingGenerator) or registered (AddEmbeddingGenerator, AddMiniLmEmbeddingGenerator, or LlmStack:Embeddings:Provider).");
            VectorStore store = options.VectorStore ?? SemanticCachingChatClient.CreateDefaultStore();
            return new SemanticCachingChatClient(inner, embedder, store, ownsStore: options.VectorStore is null, options,
                options.TimeProvider ?? services.GetService<TimeProvider>() ?? TimeProvider.System);
        });
    }
}
