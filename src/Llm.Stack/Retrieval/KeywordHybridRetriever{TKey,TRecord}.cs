using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// A retriever over a collection that searches by vector and keywords in one call, through the collection's own
/// <see cref="IKeywordHybridSearchable{TRecord}"/> (the in-memory index fuses its BM25 and vector rankings; server
/// connectors that implement the interface do the same on the server).
/// </summary>
/// <typeparam name="TKey">The collection's key type.</typeparam>
/// <typeparam name="TRecord">The collection's record type.</typeparam>
/// <remarks>
/// Thread-safe when the collection and the embedding generator are. Scores are the collection's fused scores
/// (for reciprocal rank fusion, small positive numbers); use them to order, not as similarities.
/// </remarks>
public sealed class KeywordHybridRetriever<TKey, TRecord> : IRetriever
    where TKey : notnull
    where TRecord : class
{
    private readonly IKeywordHybridSearchable<TRecord> _collection;
    private readonly Func<TRecord, DocumentChunk> _map;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddingGenerator;

    /// <summary>Initializes a new instance of the <see cref="KeywordHybridRetriever{TKey, TRecord}"/> class.</summary>
    /// <param name="collection">The collection; it must implement <see cref="IKeywordHybridSearchable{TRecord}"/>.</param>
    /// <param name="map">Maps a record to the chunk it stores.</param>
    /// <param name="embeddingGenerator">Embeds the query.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="collection"/> does not support keyword hybrid search.</exception>
    public KeywordHybridRetriever(
        VectorStoreCollection<TKey, TRecord> collection,
        Func<TRecord, DocumentChunk> map,
        IEmbeddingGenerator<string, Embedding<float>> embeddingGenerator)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(embeddingGenerator);
        _collection = collection as IKeywordHybridSearchable<TRecord>
            ?? throw new ArgumentException($"The collection '{collection.Name}' ({collection.GetType().Name}) does not implement IKeywordHybridSearchable<{typeof(TRecord).Name}>; use VectorStoreRetriever instead.", nameof(collection));
        _map = map;
        _embeddingGenerator = embeddingGenerator;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        options ??= new RetrievalOptions();

        Embedding<float> embedding = await _embeddingGenerator.GenerateAsync(query, EmbeddingPurpose.ForQuery(), cancellationToken).ConfigureAwait(false);
        List<string> keywords = Keywords(query);
        bool filterAfter = options.MetadataFilter is { Count: > 0 };
        int fetch = filterAfter ? checked(options.Top * 4) : options.Top;

        var chunks = new List<RetrievedChunk>(options.Top);
        await foreach (VectorSearchResult<TRecord> result in _collection.HybridSearchAsync(embedding.Vector, keywords, fetch, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            double score = result.Score ?? 0;
            if (options.ScoreThreshold is double threshold && score < threshold)
            {
                continue;
            }

            DocumentChunk chunk = _map(result.Record);
            if (filterAfter && !MetadataMatcher.Matches(chunk, options.MetadataFilter!))
            {
                continue;
            }

            chunks.Add(new RetrievedChunk(chunk, score));
            if (chunks.Count == options.Top)
            {
                break;
            }
        }

        return chunks;
    }

    /// <summary>The query's words (letters and digits), each once, in order.</summary>
    private static List<string> Keywords(string query)
    {
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int start = -1;
        for (int i = 0; i <= query.Length; i++)
        {
            bool word = i < query.Length && char.IsLetterOrDigit(query[i]);
            if (word && start < 0)
            {
                start = i;
            }
            else if (!word && start >= 0)
            {
                string w = query[start..i];
                if (seen.Add(w))
                {
                    words.Add(w);
                }

                start = -1;
            }
        }

        return words;
    }
}
