using Llm.Stack.VectorIndex;

namespace Llm.Stack;

/// <summary>Retrieves chunks by keyword relevance (Okapi BM25) from a <see cref="Bm25Index{TKey}"/>.</summary>
/// <typeparam name="TKey">The key type of the index.</typeparam>
/// <remarks>
/// Scores are BM25 scores (unbounded, higher is better). A metadata filter is applied inside the index search
/// through the chunk lookup, so top-k is exact. Thread-safe: the index supports concurrent searches, and the
/// lookup must be safe to call concurrently.
/// </remarks>
public sealed class Bm25Retriever<TKey> : IRetriever
    where TKey : notnull
{
    private readonly Bm25Index<TKey> _index;
    private readonly Func<TKey, DocumentChunk?> _lookup;

    /// <summary>Initializes a new instance of the <see cref="Bm25Retriever{TKey}"/> class.</summary>
    /// <param name="index">The keyword index.</param>
    /// <param name="lookup">Returns the chunk stored under a key, or <see langword="null"/> when it is gone.</param>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> or <paramref name="lookup"/> is <see langword="null"/>.</exception>
    public Bm25Retriever(Bm25Index<TKey> index, Func<TKey, DocumentChunk?> lookup)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(lookup);
        _index = index;
        _lookup = lookup;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new RetrievalOptions();

        Func<TKey, bool>? filter = null;
        if (options.MetadataFilter is { Count: > 0 } metadata)
        {
            filter = key => _lookup(key) is { } chunk && MetadataMatcher.Matches(chunk, metadata);
        }

        IReadOnlyList<KeywordMatch<TKey>> matches = _index.Search(query, options.Top, filter);
        var result = new List<RetrievedChunk>(matches.Count);
        foreach (KeywordMatch<TKey> match in matches)
        {
            if (options.ScoreThreshold is double threshold && match.Score < threshold)
            {
                break; // matches come best first
            }

            if (_lookup(match.Key) is { } chunk)
            {
                result.Add(new RetrievedChunk(chunk, match.Score));
            }
        }

        return Task.FromResult<IReadOnlyList<RetrievedChunk>>(result);
    }
}
