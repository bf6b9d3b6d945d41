namespace Llm.Stack.Evaluation;

/// <summary>
/// Evaluates any <see cref="IRetriever"/> on a labelled query set: hit rate@k, MRR, nDCG@k, recall@k, precision@k and MAP
/// (see <see cref="RetrievalMetrics"/> for the definitions).
/// </summary>
/// <remarks>Instances are immutable and safe to use concurrently; queries run one after another.</remarks>
public sealed class RetrievalEvaluator
{
    private readonly int _k;
    private readonly RetrievalMatch _match;

    /// <summary>Initializes a new instance of the <see cref="RetrievalEvaluator"/> class.</summary>
    /// <param name="k">The cut-off of the metrics, also the number of chunks asked from the retriever. The default is 5.</param>
    /// <param name="match">Which id of a retrieved chunk is compared with the judgments. The default is <see cref="RetrievalMatch.DocumentId"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive or <paramref name="match"/> is undefined.</exception>
    public RetrievalEvaluator(int k = 5, RetrievalMatch match = RetrievalMatch.DocumentId)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (!Enum.IsDefined(match))
        {
            throw new ArgumentOutOfRangeException(nameof(match), match, "Unknown match kind.");
        }

        _k = k;
        _match = match;
    }

    /// <summary>Runs every query through <paramref name="retriever"/> and scores the results.</summary>
    /// <param name="retriever">The retriever to evaluate.</param>
    /// <param name="queries">The labelled queries.</param>
    /// <param name="options">
    /// Retrieval options (filter, threshold); <see langword="null"/> for the defaults. <see cref="RetrievalOptions.Top"/>
    /// is replaced by k for the calls; the instance passed is not modified.
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The per-query outcomes and their means.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="retriever"/> or <paramref name="queries"/> is <see langword="null"/>.</exception>
    public async Task<RetrievalEvaluationReport> EvaluateAsync(
        IRetriever retriever, IEnumerable<RetrievalQuery> queries, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(retriever);
        ArgumentNullException.ThrowIfNull(queries);
        var callOptions = new RetrievalOptions
        {
            Top = _k,
            ScoreThreshold = options?.ScoreThreshold,
            MetadataFilter = options?.MetadataFilter,
        };

        var results = new List<RetrievalQueryResult>();
        foreach (var query in queries)
        {
            ArgumentNullException.ThrowIfNull(query, nameof(queries));
            cancellationToken.ThrowIfCancellationRequested();
            var retrieved = await retriever.RetrieveAsync(query.Query, callOptions, cancellationToken).ConfigureAwait(false);
            var ids = retrieved.Select(r => _match == RetrievalMatch.ChunkId ? r.Chunk.Id : r.Chunk.DocumentId).ToArray();
            results.Add(new RetrievalQueryResult(query, ids, RetrievalMetrics.Compute(ids, query.Relevance, _k)));
        }

        return new RetrievalEvaluationReport(_k, results, RetrievalScores.Mean(results.Select(r => r.Scores).ToArray()));
    }
}
