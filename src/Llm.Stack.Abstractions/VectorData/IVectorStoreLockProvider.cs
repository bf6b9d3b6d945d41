namespace Llm.Stack;

/// <summary>
/// Named locks that a vector store's server grants to one client at a time, such as PostgreSQL's advisory locks: what
/// lets writers on several machines exclude each other without relying on their clocks. A store that has them returns
/// this from <c>VectorStore.GetService(typeof(IVectorStoreLockProvider))</c>; <c>VectorStoreIngestionStateStore</c>
/// takes its writer lease with it when the store has one.
/// </summary>
/// <remarks>
/// A lock is held by the client's connection to the server: it ends when it is released, and also when the connection
/// ends (the holder's process was killed, or the server restarted), so a crashed holder never blocks the next writer.
/// Implementations are safe to call from several threads.
/// </remarks>
public interface IVectorStoreLockProvider
{
    /// <summary>Takes the lock named <paramref name="name"/> if no other client holds it, without waiting.</summary>
    /// <param name="name">The lock's name; the same name on the same server and database is the same lock.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The held lock (dispose it to release it), or <see langword="null"/> when another client holds it.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default);
}
