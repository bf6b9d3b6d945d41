namespace Llm.Stack;

/// <summary>Finds the chunks most relevant to a query.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently from several threads. Results are ordered by descending
/// <see cref="RetrievedChunk.Score"/>.
/// </remarks>
public interface IRetriever
{
    /// <summary>Finds the chunks most relevant to <paramref name="query"/>.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="options">Top-k, score threshold and filter; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>At most <see cref="RetrievalOptions.Top"/> chunks, most relevant first.</returns>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty or white space.</exception>
    Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default);
}
