using System.Linq.Expressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// Retrieves chunks by vector similarity from any Microsoft.Extensions.VectorData collection (the in-memory
/// index, Chroma, Qdrant, Postgres, Azure AI Search …), with filters, a score threshold and top-k.
/// </summary>
/// <typeparam name="TKey">The key type of the collection.</typeparam>
/// <typeparam name="TRecord">The record type of the collection.</typeparam>
/// <remarks>
/// The query is embedded with the given embedding generator, or, when none is given, passed as text to the
/// collection, which then embeds it with its own configured generator. Records become chunks through the
/// mapping function. Thread-safe when the collection and the generator are.
/// </remarks>
public sealed class VectorStoreRetriever<TKey, TRecord> : IRetriever
    where TKey : notnull
    where TRecord : class
{
    private readonly VectorStoreCollection<TKey, TRecord> _collection;
    private readonly Func<TRecord, DocumentChunk> _map;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly VectorStoreRetrieverOptions<TRecord> _options;

    /// <summary>Initializes a new instance of the <see cref="VectorStoreRetriever{TKey, TRecord}"/> class.</summary>
    /// <param name="collection">The collection to search.</param>
    /// <param name="map">Maps a record to the chunk it stores.</param>
    /// <param name="embeddingGenerator">Embeds the query; <see langword="null"/> to let the collection embed it.</param>
    /// <param name="options">Filters and score handling; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="collection"/> or <paramref name="map"/> is <see langword="null"/>.</exception>
    public VectorStoreRetriever(
        VectorStoreCollection<TKey, TRecord> collection,
        Func<TRecord, DocumentChunk> map,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        VectorStoreRetrieverOptions<TRecord>? options = null)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(map);
        _collection = collection;
        _map = map;
        _embeddingGenerator = embeddingGenerator;
        _options = options ?? new VectorStoreRetrieverOptions<TRecord>();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        options ??= new RetrievalOptions();

        Expression<Func<TRecord, bool>>? filter = _options.Filter;
        bool filterAfter = false;
        if (options.MetadataFilter is { Count: > 0 } metadata)
        {
            if (_options.MetadataFilterTranslator is { } translate)
            {
                filter = And(filter, translate(metadata));
            }
            else
            {
                filterAfter = true;
            }
        }

        int fetch = filterAfter ? checked(options.Top * _options.OverFetchFactor) : options.Top;
        var searchOptions = new VectorSearchOptions<TRecord> { Filter = filter, VectorProperty = _options.VectorProperty };

        IAsyncEnumerable<VectorSearchResult<TRecord>> results;
        if (_embeddingGenerator is not null)
        {
            Embedding<float> embedding = await _embeddingGenerator.GenerateAsync(query, EmbeddingPurpose.ForQuery(), cancellationToken).ConfigureAwait(false);
            results = _collection.SearchAsync(embedding.Vector, fetch, searchOptions, cancellationToken);
        }
        else
        {
            results = _collection.SearchAsync(query, fetch, searchOptions, cancellationToken);
        }

        var chunks = new List<RetrievedChunk>(options.Top);
        await foreach (VectorSearchResult<TRecord> result in results.ConfigureAwait(false))
        {
            double score = result.Score ?? 0;
            if (_options.ScoreConversion is { } convert)
            {
                score = convert(score);
            }

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

        // Stores return best first; a score conversion may have reversed that.
        chunks.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        return chunks;
    }

    private static Expression<Func<TRecord, bool>> And(Expression<Func<TRecord, bool>>? left, Expression<Func<TRecord, bool>> right)
    {
        if (left is null)
        {
            return right;
        }

        ParameterExpression p = left.Parameters[0];
        Expression rightBody = new ParameterReplacer(right.Parameters[0], p).Visit(right.Body);
        return Expression.Lambda<Func<TRecord, bool>>(Expression.AndAlso(left.Body, rightBody), p);
    }

    private sealed class ParameterReplacer(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
