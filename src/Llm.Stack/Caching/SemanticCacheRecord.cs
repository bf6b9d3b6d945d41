using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// The record the semantic cache (<c>UseSemanticCache(...)</c>) keeps in a Microsoft.Extensions.VectorData collection for
/// one cached answer: the embedding of the prompt it answered, the partition it may be served in, its expiry, and the
/// answer itself.
/// </summary>
/// <remarks>
/// The collection is created with <see cref="CreateDefinition(int)"/>, for the embedder's dimensions, with cosine
/// similarity. Not thread-safe: a record is built and written by one thread.
/// </remarks>
public sealed class SemanticCacheRecord
{
    /// <summary>Gets or sets the key: a new GUID per cached answer, as 32 hex digits.</summary>
    [VectorStoreKey]
    public string Key { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the partition: the SHA-256 (hex) of the tenant, the model, and everything of the request but its last
    /// user message (instructions, earlier messages, the options that change an answer). Only a request of the same
    /// partition is served this answer.
    /// </summary>
    [VectorStoreData(IsIndexed = true)]
    public string Partition { get; set; } = string.Empty;

    /// <summary>Gets or sets the text of the last user message the answer was given to.</summary>
    [VectorStoreData]
    public string Prompt { get; set; } = string.Empty;

    /// <summary>Gets or sets the answer: the <c>ChatResponse</c> as JSON (Microsoft.Extensions.AI's serializer options).</summary>
    [VectorStoreData]
    public string Response { get; set; } = string.Empty;

    /// <summary>Gets or sets when the answer expires, in milliseconds since the Unix epoch (UTC).</summary>
    [VectorStoreData(IsIndexed = true)]
    public long ExpiresAt { get; set; }

    /// <summary>Gets or sets the embedding of <see cref="Prompt"/>.</summary>
    [VectorStoreVector(384, DistanceFunction = DistanceFunction.CosineSimilarity)]
    public ReadOnlyMemory<float> Embedding { get; set; }

    /// <summary>Creates the collection definition of <see cref="SemanticCacheRecord"/> for an embedder's number of dimensions.</summary>
    /// <param name="dimensions">The number of dimensions of the embeddings.</param>
    /// <returns>A definition to pass to <c>VectorStore.GetCollection&lt;string, SemanticCacheRecord&gt;(name, definition)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is zero or negative.</exception>
    public static VectorStoreCollectionDefinition CreateDefinition(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        return new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Key), typeof(string)),
                new VectorStoreDataProperty(nameof(Partition), typeof(string)) { IsIndexed = true },
                new VectorStoreDataProperty(nameof(Prompt), typeof(string)),
                new VectorStoreDataProperty(nameof(Response), typeof(string)),
                new VectorStoreDataProperty(nameof(ExpiresAt), typeof(long)) { IsIndexed = true },
                new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = DistanceFunction.CosineSimilarity },
            ],
        };
    }
}
