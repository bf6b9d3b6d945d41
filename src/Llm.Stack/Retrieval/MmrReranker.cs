using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Diversifies candidates with maximal marginal relevance: embeds the query and the candidates' text and keeps
/// the ones relevant to the query but unlike those already kept, so near-duplicate chunks do not crowd the prompt.
/// </summary>
/// <remarks>Thread-safe when the embedding generator is. The score of the item picked r-th (0-based) of n is <c>(n - r) / n</c>.</remarks>
public sealed class MmrReranker : IReranker
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddingGenerator;

    /// <summary>Initializes a new instance of the <see cref="MmrReranker"/> class.</summary>
    /// <param name="embeddingGenerator">Embeds the query and the candidates.</param>
    /// <exception cref="ArgumentNullException"><paramref name="embeddingGenerator"/> is <see langword="null"/>.</exception>
    public MmrReranker(IEmbeddingGenerator<string, Embedding<float>> embeddingGenerator)
    {
        ArgumentNullException.ThrowIfNull(embeddingGenerator);
        _embeddingGenerator = embeddingGenerator;
    }

    /// <summary>Gets the trade-off between relevance (1) and diversity (0).</summary>
    /// <value>The default value is 0.7.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1].</exception>
    public double Lambda
    {
        get;
        init
        {
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Lambda must lie in [0, 1].");
            }

            field = value;
        }
    } = 0.7;

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

        var inputs = new List<string>(candidates.Count + 1) { query };
        inputs.AddRange(candidates.Select(c => c.Chunk.Text));
        GeneratedEmbeddings<Embedding<float>> embeddings = await _embeddingGenerator.GenerateAsync(inputs, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (embeddings.Count != inputs.Count)
        {
            throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {inputs.Count} inputs.");
        }

        var vectors = embeddings.Skip(1).Select(e => e.Vector).ToList();
        IReadOnlyList<int> picked = MaximalMarginalRelevance.Select(embeddings[0].Vector.Span, vectors, top ?? candidates.Count, Lambda);
        var result = new List<RetrievedChunk>(picked.Count);
        for (int r = 0; r < picked.Count; r++)
        {
            result.Add(candidates[picked[r]] with { Score = (picked.Count - r) / (double)picked.Count });
        }

        return result;
    }
}
