namespace Llm.Stack;

/// <summary>Reranks candidates with an <see cref="ICrossEncoder"/> that reads the query and each passage together.</summary>
/// <remarks>
/// The model is supplied by the application (for example an ONNX cross-encoder implementing
/// <see cref="ICrossEncoder"/> in its own package): the core references no model runtime.
/// Thread-safe when the cross-encoder is.
/// </remarks>
public sealed class CrossEncoderReranker : IReranker
{
    private readonly ICrossEncoder _crossEncoder;

    /// <summary>Initializes a new instance of the <see cref="CrossEncoderReranker"/> class.</summary>
    /// <param name="crossEncoder">The cross-encoder that scores (query, passage) pairs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="crossEncoder"/> is <see langword="null"/>.</exception>
    public CrossEncoderReranker(ICrossEncoder crossEncoder)
    {
        ArgumentNullException.ThrowIfNull(crossEncoder);
        _crossEncoder = crossEncoder;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RetrievedChunk>> RerankAsync(string query, IReadOnlyList<RetrievedChunk> candidates, int? top = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentNullException.ThrowIfNull(candidates);
        if (top is int t)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t, nameof(top));
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        IReadOnlyList<float> scores = await _crossEncoder.ScoreAsync(query, candidates.Select(c => c.Chunk.Text).ToList(), cancellationToken).ConfigureAwait(false);
        if (scores.Count != candidates.Count)
        {
            throw new InvalidOperationException($"The cross-encoder returned {scores.Count} scores for {candidates.Count} passages.");
        }

        // Stable: equal scores keep the retriever's order.
        return candidates
            .Select((c, i) => (Chunk: c with { Score = scores[i] }, Index: i))
            .OrderByDescending(x => x.Chunk.Score).ThenBy(x => x.Index)
            .Take(top ?? int.MaxValue)
            .Select(x => x.Chunk)
            .ToList();
    }
}
