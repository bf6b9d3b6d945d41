using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>Creates <see cref="VectorStoreRetriever{TKey, TRecord}"/> instances for the stack's own record types.</summary>
public static class VectorStoreRetriever
{
    /// <summary>Creates a retriever over a collection of the ingestion pipeline's <see cref="ChunkRecord"/>s.</summary>
    /// <param name="collection">The collection the ingestion pipeline writes.</param>
    /// <param name="embeddingGenerator">Embeds the query (the same model that embedded the chunks); <see langword="null"/> to let the collection embed it.</param>
    /// <param name="options">Filters and score handling; <see langword="null"/> for the defaults.</param>
    /// <returns>The retriever. Chunks carry <c>source</c>, <c>documentVersion</c> and <c>contentHash</c> metadata for filters and citations.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="collection"/> is <see langword="null"/>.</exception>
    public static VectorStoreRetriever<string, ChunkRecord> ForChunkRecords(
        VectorStoreCollection<string, ChunkRecord> collection,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        VectorStoreRetrieverOptions<ChunkRecord>? options = null)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return new VectorStoreRetriever<string, ChunkRecord>(collection, ToChunk, embeddingGenerator, options);
    }

    /// <summary>Maps an ingestion <see cref="ChunkRecord"/> back to the <see cref="DocumentChunk"/> it stores.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The chunk, with the record's key as its id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="record"/> is <see langword="null"/>.</exception>
    public static DocumentChunk ToChunk(ChunkRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new DocumentChunk(record.DocumentId, record.Ordinal, record.Text)
        {
            Id = record.Key,
            Start = record.Start,
            Length = record.Length,
            PageNumber = record.PageNumber > 0 ? record.PageNumber : null,
            SectionPath = string.IsNullOrEmpty(record.SectionPath) ? [] : record.SectionPath.Split(" > "),
            Metadata = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["source"] = string.IsNullOrEmpty(record.Source) ? null : record.Source,
                ["documentVersion"] = record.DocumentVersion,
                ["contentHash"] = record.ContentHash,
            },
        };
    }
}
