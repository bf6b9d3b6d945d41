using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring;

/// <summary>
/// An <see cref="IInteractionStore"/> in one SQLite file: interactions and their feedback, with retention by age and by
/// size (the oldest interactions go first, with their feedback, and the file shrinks).
/// </summary>
/// <remarks>
/// <para>
/// The file is opened in write-ahead-log mode with <c>synchronous=NORMAL</c>: a batch is durable against a process
/// crash once <see cref="WriteAsync"/> returns, and at the latest one checkpoint later against a power loss. Retention
/// runs when the store opens and then after writes, at most every few thousand records or once a minute.
/// </para>
/// <para>All members are safe to call from several threads at once: they take turns on one connection.</para>
/// </remarks>
public sealed class SqliteInteractionStore : IInteractionStore, IAsyncDisposable, IDisposable
{
    private const int RetentionEveryRecords = 5000;
    private static readonly TimeSpan RetentionEvery = TimeSpan.FromMinutes(1);

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private long _writtenSinceRetention;
    private DateTimeOffset _lastRetention;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="SqliteInteractionStore"/> class: opens (or creates) the file and applies retention once.</summary>
    /// <param name="path">The SQLite file; its folder is created when missing.</param>
    /// <param name="maxAge">How long interactions are kept; <see langword="null"/> for 30 days.</param>
    /// <param name="maxSizeBytes">The largest size of the file's live data; <see langword="null"/> for 1 GiB.</param>
    /// <param name="timeProvider">The clock retention reads; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxAge"/> is not positive, or <paramref name="maxSizeBytes"/> is less than 64 KiB.</exception>
    /// <exception cref="InvalidDataException">The file is not an interaction store (not SQLite, or written by a newer version).</exception>
    /// <exception cref="IOException">The file or its folder cannot be created or opened.</exception>
    public SqliteInteractionStore(string path, TimeSpan? maxAge = null, long? maxSizeBytes = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        MaxAge = maxAge ?? TimeSpan.FromDays(30);
        MaxSizeBytes = maxSizeBytes ?? 1L << 30;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, TimeSpan.Zero, nameof(maxAge));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSizeBytes, 64 * 1024, nameof(maxSizeBytes));
        _time = timeProvider ?? TimeProvider.System;
        Path = System.IO.Path.GetFullPath(path);

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The interaction store's folder '{System.IO.Path.GetDirectoryName(Path)}' cannot be created: {e.Message}", e);
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        try
        {
            _connection.Open();
            SqliteInteractionSchema.Initialize(_connection, Path);
            ApplyRetentionCore();
        }
        catch (SqliteException e)
        {
            _connection.Dispose();
            throw e.SqliteErrorCode is 26 /* SQLITE_NOTADB */ or 11 /* SQLITE_CORRUPT */
                ? new InvalidDataException($"'{Path}' is not an interaction store: {e.Message} Move it away or choose another LlmStack:InteractionLog:Path.", e)
                : new IOException($"The interaction store '{Path}' cannot be opened: {e.Message}", e);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens (or creates) the store that <paramref name="options"/> describe: the file <see cref="InteractionLogOptions.Path"/> under <paramref name="dataDirectory"/>, kept <see cref="InteractionLogOptions.MaxAge"/> and <see cref="InteractionLogOptions.MaxSizeMegabytes"/>.</summary>
    /// <param name="dataDirectory">The folder a relative <see cref="InteractionLogOptions.Path"/> is under, such as <c>LlmStack:DataDirectory</c>.</param>
    /// <param name="options">The options.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="ArgumentException"><paramref name="dataDirectory"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not an interaction store.</exception>
    /// <exception cref="IOException">The file or its folder cannot be created or opened.</exception>
    public static SqliteInteractionStore Open(string dataDirectory, InteractionLogOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(options);
        return new SqliteInteractionStore(System.IO.Path.Combine(dataDirectory, options.Path), options.MaxAge, options.MaxSizeMegabytes * 1024L * 1024L);
    }

    /// <summary>Gets the full path of the SQLite file.</summary>
    public string Path { get; }

    /// <summary>Gets how long interactions are kept.</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>Gets the largest size of the file's live data, in bytes.</summary>
    public long MaxSizeBytes { get; }

    /// <inheritdoc />
    public async Task WriteAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using (SqliteTransaction transaction = _connection.BeginTransaction())
            {
                using var writer = new SqliteInteractionRows.Writer(_connection, transaction);

                // The hours whose roll-ups are built again from their rows: those of records replaced and of their replacements.
                HashSet<long>? rebuild = null;
                foreach (InteractionRecord r in records)
                {
                    ArgumentNullException.ThrowIfNull(r, nameof(records));
                    ArgumentException.ThrowIfNullOrEmpty(r.Id, nameof(records));
                    if (writer.StoredTime(r.Id) is long replacedTs)
                    {
                        rebuild ??= [];
                        rebuild.Add(SqliteInteractionRollups.HourOf(replacedTs));
                        rebuild.Add(SqliteInteractionRollups.HourOf(r.Timestamp.ToUnixTimeMilliseconds()));
                    }

                    writer.Upsert(r);
                }

                SqliteInteractionRollups.AddWritten(_connection, transaction, records, rebuild);
                transaction.Commit();
            }

            _writtenSinceRetention += records.Count;
            if (_writtenSinceRetention >= RetentionEveryRecords || _time.GetUtcNow() - _lastRetention >= RetentionEvery)
            {
                ApplyRetentionCore();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<bool> AddFeedbackAsync(string interactionId, InteractionFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interactionId);
        ArgumentNullException.ThrowIfNull(feedback);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using SqliteCommand command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = SqliteInteractionRows.AddFeedbackSql;
            SqliteInteractionRows.BindFeedback(command, interactionId, feedback, _time.GetUtcNow());
            if (command.ExecuteNonQuery() != 1)
            {
                return false;
            }

            SqliteInteractionRollups.AddFeedback(_connection, transaction, interactionId, feedback);
            transaction.Commit();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<InteractionRecord?> GetAsync(string interactionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interactionId);
        IReadOnlyList<InteractionRecord> found = await ReadAsync($"SELECT {SqliteInteractionRows.Columns} FROM interactions WHERE id = @id", interactionId, 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> GetRecentAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return await ReadAsync($"SELECT {SqliteInteractionRows.Columns} FROM interactions ORDER BY ts DESC, id DESC LIMIT @count", null, count, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> QueryAsync(InteractionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>(2);
        if (query.HasFeedback is { } has)
        {
            where.Add((has ? "" : "NOT ") + "EXISTS (SELECT 1 FROM feedback f WHERE f.interaction_id = interactions.id)");
        }

        if (query.MaxRating is { } max)
        {
            // The value is range-checked by InteractionQuery (1 to 5), so it is written into the statement as a number.
            where.Add($"EXISTS (SELECT 1 FROM feedback f WHERE f.interaction_id = interactions.id AND f.rating <= {max.ToString(CultureInfo.InvariantCulture)})");
        }

        string filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        return await ReadAsync(
            $"SELECT {SqliteInteractionRows.Columns} FROM interactions{filter} ORDER BY ts DESC, id DESC LIMIT @count OFFSET {query.Skip.ToString(CultureInfo.InvariantCulture)}",
            null, query.Count, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionFeedback>> GetFeedbackAsync(string interactionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interactionId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = $"SELECT {SqliteInteractionRows.FeedbackColumns} FROM feedback WHERE interaction_id = @id ORDER BY id";
            command.Parameters.AddWithValue("@id", interactionId);
            using SqliteDataReader reader = command.ExecuteReader();
            var list = new List<InteractionFeedback>();
            while (reader.Read())
            {
                list.Add(SqliteInteractionRows.ReadFeedback(reader));
            }

            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<InteractionStatistics> GetStatisticsAsync(InteractionStatisticsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return SqliteInteractionStatistics.Compute(_connection, query, _time.GetUtcNow());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Summarises as <see cref="GetStatisticsAsync"/> does, reading every row instead of the roll-ups: the oracle the tests hold the roll-ups to.</summary>
    internal async Task<InteractionStatistics> GetStatisticsFromRowsAsync(InteractionStatisticsQuery query, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return SqliteInteractionStatistics.Compute(_connection, query, _time.GetUtcNow(), fromRows: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes the interactions older than <see cref="MaxAge"/>, then the oldest ones while the live data is larger than <see cref="MaxSizeBytes"/>, with their feedback, and gives the freed pages back to the file system.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of interactions deleted.</returns>
    public async Task<long> ApplyRetentionAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ApplyRetentionCore();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gets the size of the live data (the pages in use), in bytes.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The size in bytes.</returns>
    public async Task<long> GetDataSizeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return DataSize();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                _connection.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the file.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private long ApplyRetentionCore()
    {
        _writtenSinceRetention = 0;
        _lastRetention = _time.GetUtcNow();
        long deleted = 0;
        long cutoff = (_lastRetention - MaxAge).ToUnixTimeMilliseconds();
        using (SqliteTransaction transaction = _connection.BeginTransaction())
        using (SqliteCommand byAge = _connection.CreateCommand())
        {
            byAge.Transaction = transaction;
            byAge.CommandText = "DELETE FROM interactions WHERE ts < @cutoff";
            byAge.Parameters.AddWithValue("@cutoff", cutoff);
            long removed = byAge.ExecuteNonQuery();
            if (removed > 0)
            {
                SqliteInteractionRollups.RemoveUpTo(_connection, transaction, cutoff - 1);
            }

            transaction.Commit();
            deleted += removed;
        }

        long target = MaxSizeBytes - (MaxSizeBytes / 10);
        for (int round = 0; round < 64; round++)
        {
            long size = DataSize();
            if (size <= (round == 0 ? MaxSizeBytes : target))
            {
                break;
            }

            long count = Scalar("SELECT count(*) FROM interactions");
            if (count == 0)
            {
                break;
            }

            long excess = (long)Math.Ceiling(count * (double)(size - target) / size);
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using SqliteCommand last = _connection.CreateCommand();
            last.Transaction = transaction;
            last.CommandText = "SELECT max(ts) FROM (SELECT ts FROM interactions ORDER BY ts, id LIMIT @n)";
            last.Parameters.AddWithValue("@n", Math.Clamp(excess, 1, count));
            long newestRemoved = Convert.ToInt64(last.ExecuteScalar(), CultureInfo.InvariantCulture);
            using SqliteCommand bySize = _connection.CreateCommand();
            bySize.Transaction = transaction;
            bySize.CommandText = "DELETE FROM interactions WHERE id IN (SELECT id FROM interactions ORDER BY ts, id LIMIT @n)";
            bySize.Parameters.AddWithValue("@n", Math.Clamp(excess, 1, count));
            deleted += bySize.ExecuteNonQuery();
            SqliteInteractionRollups.RemoveUpTo(_connection, transaction, newestRemoved);
            transaction.Commit();
        }

        if (deleted > 0)
        {
            Execute("PRAGMA incremental_vacuum");
            Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }

        return deleted;
    }

    private long DataSize() =>
        (Scalar("PRAGMA page_count") - Scalar("PRAGMA freelist_count")) * Scalar("PRAGMA page_size");

    private async Task<IReadOnlyList<InteractionRecord>> ReadAsync(string sql, string? id, int count, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = sql;
            if (id is not null)
            {
                command.Parameters.AddWithValue("@id", id);
            }

            command.Parameters.AddWithValue("@count", count);
            using SqliteDataReader reader = command.ExecuteReader();
            var list = new List<InteractionRecord>();
            while (reader.Read())
            {
                list.Add(SqliteInteractionRows.ReadRecord(reader));
            }

            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Execute(string sql) => SqliteInteractionSchema.Execute(_connection, sql);

    private long Scalar(string sql) => SqliteInteractionSchema.Scalar(_connection, sql);
}
