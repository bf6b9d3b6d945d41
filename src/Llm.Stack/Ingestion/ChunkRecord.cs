using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// The record the ingestion pipeline stores for a chunk in any Microsoft.Extensions.VectorData collection: its text
/// (full-text indexed for hybrid search), its provenance, the hashes and version that make ingestion incremental,
/// and its embedding.
/// </summary>
/// <remarks>
/// The attributes declare a 384-dimension cosine vector (MiniLM's); for another embedder, get the collection with
/// <see cref="CreateDefinition(int, string)"/>. Not thread-safe: a record is built and written by one thread.
/// </remarks>
public sealed class ChunkRecord
{
    /// <summary>The number of dimensions the attributes declare.</summary>
    public const int DefaultDimensions = 384;

    /// <summary>Gets or sets the key: <c>{DocumentId}#{first 12 hex digits of the document hash}#{Ordinal}</c>.</summary>
    [VectorStoreKey]
    public string Key { get; set; } = string.Empty;

    /// <summary>Gets or sets the text of the chunk.</summary>
    [VectorStoreData(IsFullTextIndexed = true)]
    public string Text { get; set; } = string.Empty;

    /// <summary>Gets or sets the identifier of the document the chunk comes from.</summary>
    [VectorStoreData(IsIndexed = true)]
    public string DocumentId { get; set; } = string.Empty;

    /// <summary>Gets or sets where the document came from, as a URI string; empty when unknown.</summary>
    [VectorStoreData]
    public string Source { get; set; } = string.Empty;

    /// <summary>Gets or sets the 1-based page the chunk starts on, or 0 when the document has no pages.</summary>
    [VectorStoreData]
    public int PageNumber { get; set; }

    /// <summary>Gets or sets the section path, headings joined by <c>" &gt; "</c>; empty when none.</summary>
    [VectorStoreData]
    public string SectionPath { get; set; } = string.Empty;

    /// <summary>Gets or sets the 0-based position of the chunk in its document.</summary>
    [VectorStoreData]
    public int Ordinal { get; set; }

    /// <summary>Gets or sets the index of the chunk's first character in the (transformed) document text.</summary>
    [VectorStoreData]
    public int Start { get; set; }

    /// <summary>Gets or sets the number of characters of the document text the chunk covers.</summary>
    [VectorStoreData]
    public int Length { get; set; }

    /// <summary>Gets or sets the SHA-256 of the chunk's text (hex, 32 digits).</summary>
    [VectorStoreData(IsIndexed = true)]
    public string ContentHash { get; set; } = string.Empty;

    /// <summary>Gets or sets the SHA-256 of the document's text (hex, 32 digits).</summary>
    [VectorStoreData]
    public string DocumentHash { get; set; } = string.Empty;

    /// <summary>Gets or sets the version of the document the chunk belongs to (1 for its first ingestion); retrieval keeps the highest version of a document.</summary>
    [VectorStoreData(IsIndexed = true)]
    public long DocumentVersion { get; set; }

    /// <summary>Gets or sets the embedding of <see cref="Text"/>.</summary>
    [VectorStoreVector(DefaultDimensions, DistanceFunction = DistanceFunction.CosineSimilarity)]
    public ReadOnlyMemory<float> Embedding { get; set; }

    /// <summary>Creates the collection definition of <see cref="ChunkRecord"/> for an embedder's number of dimensions.</summary>
    /// <param name="dimensions">The number of dimensions of the embeddings.</param>
    /// <param name="distanceFunction">The distance function; one of <see cref="DistanceFunction"/>'s names. The default is cosine similarity.</param>
    /// <returns>A definition to pass to <c>VectorStore.GetCollection&lt;string, ChunkRecord&gt;(name, definition)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is zero or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="distanceFunction"/> is empty.</exception>
    public static VectorStoreCollectionDefinition CreateDefinition(int dimensions, string distanceFunction = DistanceFunction.CosineSimilarity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentException.ThrowIfNullOrWhiteSpace(distanceFunction);
        return new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Key), typeof(string)),
                new VectorStoreDataProperty(nameof(Text), typeof(string)) { IsFullTextIndexed = true },
                new VectorStoreDataProperty(nameof(DocumentId), typeof(string)) { IsIndexed = true },
                new VectorStoreDataProperty(nameof(Source), typeof(string)),
                new VectorStoreDataProperty(nameof(PageNumber), typeof(int)),
                new VectorStoreDataProperty(nameof(SectionPath), typeof(string)),
                new VectorStoreDataProperty(nameof(Ordinal), typeof(int)),
                new VectorStoreDataProperty(nameof(Start), typeof(int)),
                new VectorStoreDataProperty(nameof(Length), typeof(int)),
                new VectorStoreDataProperty(nameof(ContentHash), typeof(string)) { IsIndexed = true },
                new VectorStoreDataProperty(nameof(DocumentHash), typeof(string)),
                new VectorStoreDataProperty(nameof(DocumentVersion), typeof(long)) { IsIndexed = true },
                new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = distanceFunction },
            ],
        };
    }
}
