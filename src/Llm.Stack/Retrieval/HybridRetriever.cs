using Llm.Stack.VectorIndex;

namespace Llm.Stack;

/// <summary>
/// Fuses the rankings of several retrievers (typically vector and BM25) over the query and its variants, with
/// reciprocal rank fusion or relative score fusion (<see cref="RankFusion"/>).
/// </summary>
/// <remarks>
/// Every retriever is asked for <c>Top × CandidateMultiplier</c> candidates for every query (in parallel);
/// chunks are identified by <see cref="DocumentChunk.Id"/>. The returned score is the fused score, and
/// <see cref="RetrievalOptions.ScoreThreshold"/> applies to it (not to the inner retrievers, whose scales differ).
/// Thread-safe when the inner retrievers are.
/// </remarks>
public sealed class HybridRetriever : IRetriever
{
    private readonly IRetriever[] _retrievers;
    private readonly HybridRetrieverOptions _options;

    /// <summary>Initializes a new instance of the <see cref="HybridRetriever"/> class.</summary>
    /// <param name="retrievers">The retrievers to fuse.</param>
    /// <param name="options">The fusion method, weights and query variants; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="retrievers"/> or one of them is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="retrievers"/> is empty, or the weights do not match it.</exception>
    public HybridRetriever(IReadOnlyList<IRetriever> retrievers, HybridRetrieverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(retrievers);
        if (retrievers.Count == 0)
        {
            throw new ArgumentException("Give at least one retriever to fuse.", nameof(retrievers));
        }

        for (int i = 0; i < retrievers.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(retrievers[i], nameof(retrievers));
        }

        _options = options ?? new HybridRetrieverOptions();
        if (_options.Weights is { } w && (w.Count != retrievers.Count || w.Any(x => x < 0 || !double.IsFinite(x))))
        {
            throw new ArgumentException($"Give one finite, non-negative weight per retriever ({retrievers.Count}); got {w.Count}.", nameof(options));
        }

        _retrievers = retrievers.ToArray();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        options ??= new RetrievalOptions();

        var queries = new List<string> { query };
        if (_options.QueryVariants is { } variants)
        {
            foreach (string v in await variants(query, cancellationToken).ConfigureAwait(false))
            {
                if (!string.IsNullOrWhiteSpace(v) && !queries.Contains(v, StringComparer.OrdinalIgnoreCase))
                {
                    queries.Add(v);
                }
            }
        }

        var inner = new RetrievalOptions { Top = checked(options.Top * _options.CandidateMultiplier), MetadataFilter = options.MetadataFilter };
        var tasks = new List<Task<IReadOnlyList<RetrievedChunk>>>(queries.Count * _retrievers.Length);
        var weights = new List<double>(tasks.Capacity);
        foreach (string q in queries)
        {
            for (int r = 0; r < _retrievers.Length; r++)
            {
                tasks.Add(_retrievers[r].RetrieveAsync(q, inner, cancellationToken));
                weights.Add(_options.Weights?[r] ?? 1.0);
            }
        }

        IReadOnlyList<RetrievedChunk>[] rankings = await Task.WhenAll(tasks).ConfigureAwait(false);
        return Fuse(rankings, weights, options, _options);
    }

    internal static List<RetrievedChunk> Fuse(IReadOnlyList<RetrievedChunk>[] rankings, List<double> weights, RetrievalOptions options, HybridRetrieverOptions fusion)
    {
        var byId = new Dictionary<string, DocumentChunk>(StringComparer.Ordinal);
        foreach (IReadOnlyList<RetrievedChunk> ranking in rankings)
        {
            foreach (RetrievedChunk c in ranking)
            {
                byId.TryAdd(c.Chunk.Id, c.Chunk);
            }
        }

        IReadOnlyList<FusedResult<string>> fused = fusion.Method == FusionMethod.ReciprocalRank
            ? RankFusion.ReciprocalRank(rankings.Select(r => (IReadOnlyList<string>)r.Select(c => c.Chunk.Id).ToList()).ToList(), fusion.K, options.Top, StringComparer.Ordinal, weights)
            : RankFusion.RelativeScore(rankings.Select(r => (IReadOnlyList<(string, double)>)r.Select(c => (c.Chunk.Id, c.Score)).ToList()).ToList(), weights, options.Top, StringComparer.Ordinal);

        var result = new List<RetrievedChunk>(fused.Count);
        foreach (FusedResult<string> f in fused)
        {
            if (options.ScoreThreshold is double threshold && f.Score < threshold)
            {
                continue;
            }

            result.Add(new RetrievedChunk(byId[f.Item], f.Score));
        }

        return result;
    }
}
