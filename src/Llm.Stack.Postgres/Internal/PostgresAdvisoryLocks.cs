using Npgsql;

namespace Llm.Stack.Postgres;

/// <summary>
/// The <see cref="IVectorStoreLockProvider"/> of a <see cref="PostgresVectorStore"/>: PostgreSQL session-level advisory
/// locks (<c>pg_try_advisory_lock</c>), each held on a connection of its own for as long as the lock is held. The server
/// releases a lock when its session ends, so a killed holder's lock is free at once.
/// </summary>
/// <remarks>
/// A lock's key is a 64-bit hash (<c>hashtextextended</c>) of the store's schema and the lock's name. Advisory locks are
/// per database: two stores on the same database and schema share their locks.
/// </remarks>
internal sealed class PostgresAdvisoryLocks(PostgresVectorStore store, NpgsqlDataSource dataSource) : IVectorStoreLockProvider
{
    private const string Operation = "AcquireLock";

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string key = $"llmstack:{store.Schema}:{name}";
        NpgsqlConnection? connection = null;
        try
        {
            connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using NpgsqlCommand command = new("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = key });
            if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return null;
            }

            var held = new Held(connection, key);
            connection = null;
            return held;
        }
        catch (Exception e) when (PostgresErrors.IsDatabaseError(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresErrors.Wrap(e, store.Endpoint, name, Operation);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A held lock: its connection stays open until it is released.</summary>
    private sealed class Held(NpgsqlConnection connection, string key) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            try
            {
                await using NpgsqlCommand command = new("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                _ = await command.ExecuteScalarAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (PostgresErrors.IsDatabaseError(e))
            {
                // The session is gone (server restart, connection cut): the server released the lock with it.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
