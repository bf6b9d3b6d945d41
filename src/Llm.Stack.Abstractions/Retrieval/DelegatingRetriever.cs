namespace Llm.Stack;

/// <summary>
/// A retriever that passes every call to an inner <see cref="IRetriever"/>: the base for retrieval middleware
/// (filters, caches, guardrails, logging), in the shape of Microsoft.Extensions.AI's <c>DelegatingChatClient</c>.
/// </summary>
/// <remarks>
/// Derived types override <see cref="RetrieveAsync"/> to act before or after the inner call. The base holds no state
/// besides the inner retriever and is as safe to use concurrently as that retriever.
/// </remarks>
public class DelegatingRetriever : IRetriever
{
    /// <summary>Initializes a new instance of the <see cref="DelegatingRetriever"/> class.</summary>
    /// <param name="innerRetriever">The retriever every call is passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerRetriever"/> is <see langword="null"/>.</exception>
    protected DelegatingRetriever(IRetriever innerRetriever)
    {
        ArgumentNullException.ThrowIfNull(innerRetriever);
        InnerRetriever = innerRetriever;
    }

    /// <summary>Gets the retriever every call is passed to.</summary>
    protected IRetriever InnerRetriever { get; }

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
        InnerRetriever.RetrieveAsync(query, options, cancellationToken);

    /// <summary>Asks for a service (this retriever, a layer below it, or an object a layer exposes) by type.</summary>
    /// <param name="serviceType">The type of the service wanted.</param>
    /// <param name="serviceKey">The key of the service wanted; <see langword="null"/> for none.</param>
    /// <returns>
    /// This instance when it is a <paramref name="serviceType"/> and no key is given; otherwise what the inner
    /// retriever gives (the inner retriever itself when it is a <paramref name="serviceType"/>); otherwise <see langword="null"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        return InnerRetriever is DelegatingRetriever inner
            ? inner.GetService(serviceType, serviceKey)
            : serviceKey is null && serviceType.IsInstanceOfType(InnerRetriever) ? InnerRetriever : null;
    }
}
