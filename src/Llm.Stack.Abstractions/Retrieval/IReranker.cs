namespace Llm.Stack;

/// <summary>Reorders retrieved chunks by a finer judgement of their relevance to a query.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently from several threads. A reranker never adds chunks that
/// were not among its candidates.
/// </remarks>
public interface IReranker
{
    /// <summary>Reorders <paramref name="candidates"/> by relevance to <paramref name="query"/>.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="candidates">The chunks to reorder.</param>
    /// <param name="top">The maximum number of chunks to return; <see langword="null"/> to return them all.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The candidates, most relevant first, each with the reranker's score.</returns>
    Task<IReadOnlyList<RetrievedChunk>> RerankAsync(string query, IReadOnlyList<RetrievedChunk> candidates, int? top = null, CancellationToken cancellationToken = default);
}
