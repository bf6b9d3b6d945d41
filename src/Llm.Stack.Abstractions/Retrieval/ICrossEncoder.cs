namespace Llm.Stack;

/// <summary>
/// Scores how well each passage answers a query by reading the two together (a cross-encoder such as
/// <c>ms-marco-MiniLM-L-6-v2</c>), the contract of the core's <c>CrossEncoderReranker</c>.
/// </summary>
/// <remarks>
/// The core does not reference ONNX Runtime: an ONNX (or hosted) model implements this interface in its own
/// package and the application supplies it. Implementations must be safe to call concurrently from several threads.
/// </remarks>
public interface ICrossEncoder
{
    /// <summary>Scores each of <paramref name="passages"/> against <paramref name="query"/>.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="passages">The passages to score.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One score per passage, in the same order; higher is more relevant.</returns>
    Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default);
}
