using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Local;

// Retrieval over the index, opening it on first use.
public sealed partial class LocalIndex
{
    /// <summary>Creates a retriever over the index: hybrid (BM25 and vector, fused) unless the options turned it off.</summary>
    /// <returns>A retriever that opens the index on first use.</returns>
    public IRetriever CreateRetriever() => new OpeningRetriever(this);

    private sealed class OpeningRetriever(LocalIndex index) : IRetriever
    {
        private IRetriever? _inner;

        public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(query);
            await index.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _inner ??= Create();
            return await _inner.RetrieveAsync(query, options, cancellationToken).ConfigureAwait(false);
        }

        private IRetriever Create()
        {
            VectorStoreCollection<string, ChunkRecord> collection = index.Collection;
            if (index._hybrid && collection is IKeywordHybridSearchable<ChunkRecord>)
            {
                return new KeywordHybridRetriever<string, ChunkRecord>(collection, VectorStoreRetriever.ToChunk, index._embedder);
            }

            if (index._hybrid)
            {
                // A store without keyword search (such as a server connector without full-text ranking): vector search, said once.
                LocalIndexLog.HybridFallback(index._logger, index.DataDirectory, collection.Name, collection.GetType().Name);
            }

            return VectorStoreRetriever.ForChunkRecords(collection, index._embedder);
        }
    }
}
