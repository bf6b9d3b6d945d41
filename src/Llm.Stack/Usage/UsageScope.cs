namespace Llm.Stack;

/// <summary>
/// The tenant, user and operation that the usage ledger charges the chat and embedding calls made inside a scope to:
/// an ambient value that flows with the asynchronous call (an <see cref="AsyncLocal{T}"/>), so that it reaches the calls
/// the RAG pipeline, ingestion and retrieval make on the caller's behalf, which take no per-call options from the caller.
/// </summary>
/// <remarks>
/// Begin one with <see cref="Begin"/> around a request's work and dispose it at the end. Scopes nest: an inner scope
/// keeps each value it leaves <see langword="null"/> from the outer one. Instances are immutable and thread-safe; the
/// current scope is per asynchronous flow, so concurrent requests each see their own.
/// </remarks>
/// <example>
/// <code>
/// using (UsageScope.Begin(tenant: "acme", user: "ann", operation: "support-answer"))
/// {
///     await chatClient.GetResponseAsync("…");   // charged to acme / ann / support-answer
/// }
/// </code>
/// </example>
public sealed class UsageScope
{
    private static readonly AsyncLocal<UsageScope?> CurrentScope = new();

    private UsageScope(string? tenant, string? user, string? operation)
    {
        Tenant = tenant;
        User = user;
        Operation = operation;
    }

    /// <summary>Gets the scope of the current asynchronous flow, or <see langword="null"/> outside any scope.</summary>
    public static UsageScope? Current => CurrentScope.Value;

    /// <summary>Gets the tenant calls are charged to, or <see langword="null"/> for none.</summary>
    public string? Tenant { get; }

    /// <summary>Gets the user calls are charged to, or <see langword="null"/> for none.</summary>
    public string? User { get; }

    /// <summary>Gets the application's name of the operation (such as <c>support-answer</c>), or <see langword="null"/> for none.</summary>
    public string? Operation { get; }

    /// <summary>Begins a scope for the current asynchronous flow; dispose the result to end it (the outer scope is current again).</summary>
    /// <param name="tenant">The tenant; <see langword="null"/> to keep the outer scope's.</param>
    /// <param name="user">The user; <see langword="null"/> to keep the outer scope's.</param>
    /// <param name="operation">The operation; <see langword="null"/> to keep the outer scope's.</param>
    /// <returns>An object that ends the scope when disposed.</returns>
    /// <exception cref="ArgumentException">A value is empty or white space.</exception>
    public static IDisposable Begin(string? tenant = null, string? user = null, string? operation = null)
    {
        CheckValue(tenant, nameof(tenant));
        CheckValue(user, nameof(user));
        CheckValue(operation, nameof(operation));
        UsageScope? outer = CurrentScope.Value;
        CurrentScope.Value = new UsageScope(tenant ?? outer?.Tenant, user ?? outer?.User, operation ?? outer?.Operation);
        return new Ending(outer);
    }

    private static void CheckValue(string? value, string name)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("The value must not be empty or white space; pass null to keep the outer scope's.", name);
        }
    }

    private sealed class Ending(UsageScope? outer) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                CurrentScope.Value = outer;
            }
        }
    }
}
