namespace Llm.Stack;

/// <summary>
/// A reranker that passes every call to an inner <see cref="IReranker"/>: the base for reranking middleware
/// (caches, score calibration, logging), in the shape of Microsoft.Extensions.AI's <c>DelegatingChatClient</c>.
/// </summary>
/// <remarks>
/// Derived types override <see cref="RerankAsync"/> to act before or after the inner call. The base holds no state
/// besides the inner reranker and is as safe to use concurrently as that reranker.
/// </remarks>
public class DelegatingReranker : IReranker
{
    /// <summary>Initializes a new instance of the <see cref="DelegatingReranker"/> class.</summary>
    /// <param name="innerReranker">The reranker every call is passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerReranker"/> is <see langword="null"/>.</exception>
    protected DelegatingReranker(IReranker innerReranker)
    {
        ArgumentNullException.ThrowIfNull(innerReranker);
        InnerReranker = innerReranker;
    }

    /// <summary>Gets the reranker every call is passed to.</summary>
    protected IReranker InnerReranker { get; }

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<RetrievedChunk>> RerankAsync(string query, IReadOnlyList<RetrievedChunk> candidates, int? top = null, CancellationToken cancellationToken = default) =>
        InnerReranker.RerankAsync(query, candidates, top, cancellationToken);

    /// <summary>Asks for a service (this reranker, a layer below it, or an object a layer exposes) by type.</summary>
    /// <param name="serviceType">The type of the service wanted.</param>
    /// <param name="serviceKey">The key of the service wanted; <see langword="null"/> for none.</param>
    /// <returns>
    /// This instance when it is a <paramref name="serviceType"/> and no key is given; otherwise what the inner
    /// reranker gives (the inner reranker itself when it is a <paramref name="serviceType"/>); otherwise <see langword="null"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        return InnerReranker is DelegatingReranker inner
            ? inner.GetService(serviceType, serviceKey)
            : serviceKey is null && serviceType.IsInstanceOfType(InnerReranker) ? InnerReranker : null;
    }
}
