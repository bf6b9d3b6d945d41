using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
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
    private const int SchemaVersion = 3;
    private const int RetentionEveryRecords = 5000;
    private static readonly TimeSpan RetentionEvery = TimeSpan.FromMinutes(1);

    private const string Columns =
        "id, ts, operation, tenant_id, user_id, model_id, prompt_template, prompt_template_version, question, rewritten_query, " +
        "retrieved, cited, answer, input_tokens, output_tokens, ttft_ms, duration_ms, cost, guardrails, error";

    // Written with each record, read only by the statistics: the best retrieval score, so that no query parses JSON per row.
    private const string WriteColumns = Columns + ", top_score";

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
            Initialize();
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
                using SqliteCommand insert = _connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText =
                    $"INSERT INTO interactions ({WriteColumns}) VALUES (@id, @ts, @operation, @tenant, @user, @model, @template, @templateVersion, @question, @query, " +
                    "@retrieved, @cited, @answer, @input, @output, @ttft, @duration, @cost, @guardrails, @error, @topScore) " +
                    "ON CONFLICT(id) DO UPDATE SET ts = excluded.ts, operation = excluded.operation, tenant_id = excluded.tenant_id, user_id = excluded.user_id, " +
                    "model_id = excluded.model_id, prompt_template = excluded.prompt_template, prompt_template_version = excluded.prompt_template_version, " +
                    "question = excluded.question, rewritten_query = excluded.rewritten_query, retrieved = excluded.retrieved, cited = excluded.cited, " +
                    "answer = excluded.answer, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, ttft_ms = excluded.ttft_ms, " +
                    "duration_ms = excluded.duration_ms, cost = excluded.cost, guardrails = excluded.guardrails, error = excluded.error, top_score = excluded.top_score";
                SqliteParameter[] p =
                [
                    insert.Parameters.Add("@id", SqliteType.Text), insert.Parameters.Add("@ts", SqliteType.Integer),
                    insert.Parameters.Add("@operation", SqliteType.Text), insert.Parameters.Add("@tenant", SqliteType.Text),
                    insert.Parameters.Add("@user", SqliteType.Text), insert.Parameters.Add("@model", SqliteType.Text),
                    insert.Parameters.Add("@template", SqliteType.Text), insert.Parameters.Add("@templateVersion", SqliteType.Text),
                    insert.Parameters.Add("@question", SqliteType.Text), insert.Parameters.Add("@query", SqliteType.Text),
                    insert.Parameters.Add("@retrieved", SqliteType.Text), insert.Parameters.Add("@cited", SqliteType.Text),
                    insert.Parameters.Add("@answer", SqliteType.Text), insert.Parameters.Add("@input", SqliteType.Integer),
                    insert.Parameters.Add("@output", SqliteType.Integer), insert.Parameters.Add("@ttft", SqliteType.Real),
                    insert.Parameters.Add("@duration", SqliteType.Real), insert.Parameters.Add("@cost", SqliteType.Text),
                    insert.Parameters.Add("@guardrails", SqliteType.Text), insert.Parameters.Add("@error", SqliteType.Text),
                    insert.Parameters.Add("@topScore", SqliteType.Real),
                ];
                insert.Prepare();
                using SqliteCommand stored = _connection.CreateCommand();
                stored.Transaction = transaction;
                stored.CommandText = "SELECT ts FROM interactions WHERE id = @id";
                SqliteParameter storedId = stored.Parameters.Add("@id", SqliteType.Text);
                stored.Prepare();

                // The hours whose roll-ups are built again from their rows: those of records replaced and of their replacements.
                HashSet<long>? rebuild = null;
                var buffer = new ArrayBufferWriter<byte>(256);
                foreach (InteractionRecord r in records)
                {
                    ArgumentNullException.ThrowIfNull(r, nameof(records));
                    ArgumentException.ThrowIfNullOrEmpty(r.Id, nameof(records));
                    storedId.Value = r.Id;
                    if (stored.ExecuteScalar() is long replacedTs)
                    {
                        rebuild ??= [];
                        rebuild.Add(SqliteInteractionRollups.HourOf(replacedTs));
                        rebuild.Add(SqliteInteractionRollups.HourOf(r.Timestamp.ToUnixTimeMilliseconds()));
                    }

                    p[0].Value = r.Id;
                    p[1].Value = r.Timestamp.ToUnixTimeMilliseconds();
                    p[2].Value = r.Operation ?? "chat";
                    p[3].Value = Db(r.TenantId);
                    p[4].Value = Db(r.UserId);
                    p[5].Value = Db(r.ModelId);
                    p[6].Value = Db(r.PromptTemplate);
                    p[7].Value = Db(r.PromptTemplateVersion);
                    p[8].Value = Db(r.Question);
                    p[9].Value = Db(r.RewrittenQuery);
                    p[10].Value = ChunksJson(r.RetrievedChunks, buffer);
                    p[11].Value = StringsJson(r.CitedChunkIds, buffer);
                    p[12].Value = Db(r.Answer);
                    p[13].Value = r.InputTokens is long input ? input : DBNull.Value;
                    p[14].Value = r.OutputTokens is long output ? output : DBNull.Value;
                    p[15].Value = r.TimeToFirstToken is TimeSpan ttft ? ttft.TotalMilliseconds : DBNull.Value;
                    p[16].Value = r.Duration.TotalMilliseconds;
                    p[17].Value = r.Cost is decimal cost ? cost.ToString(CultureInfo.InvariantCulture) : DBNull.Value;
                    p[18].Value = StringsJson(r.GuardrailDecisions, buffer);
                    p[19].Value = Db(r.Error);
                    p[20].Value = TopScore(r.RetrievedChunks) is double top ? top : DBNull.Value;
                    insert.ExecuteNonQuery();
                }

                UpdateRollups(transaction, records, rebuild);
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
            command.CommandText =
                "INSERT INTO feedback (interaction_id, ts, rating, labels, corrected_answer, relevant, irrelevant, comment, user_id) " +
                "SELECT @id, @ts, @rating, @labels, @corrected, @relevant, @irrelevant, @comment, @user WHERE EXISTS (SELECT 1 FROM interactions WHERE id = @id)";
            var buffer = new ArrayBufferWriter<byte>(128);
            command.Parameters.AddWithValue("@id", interactionId);
            command.Parameters.AddWithValue("@ts", (feedback.Timestamp == default ? _time.GetUtcNow() : feedback.Timestamp).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@rating", feedback.Rating is int rating ? rating : DBNull.Value);
            command.Parameters.AddWithValue("@labels", StringsJson(feedback.Labels, buffer));
            command.Parameters.AddWithValue("@corrected", Db(feedback.CorrectedAnswer));
            command.Parameters.AddWithValue("@relevant", StringsJson(feedback.RelevantChunkIds, buffer));
            command.Parameters.AddWithValue("@irrelevant", StringsJson(feedback.IrrelevantChunkIds, buffer));
            command.Parameters.AddWithValue("@comment", Db(feedback.Comment));
            command.Parameters.AddWithValue("@user", Db(feedback.UserId));
            if (command.ExecuteNonQuery() != 1)
            {
                return false;
            }

            if (InteractionRollup.Classify(feedback.Rating, feedback.Labels ?? []) is (true, _) or (_, true))
            {
                using SqliteCommand key = _connection.CreateCommand();
                key.Transaction = transaction;
                key.CommandText = "SELECT ts, model_id, tenant_id FROM interactions WHERE id = @id";
                key.Parameters.AddWithValue("@id", interactionId);
                using (SqliteDataReader reader = key.ExecuteReader())
                {
                    reader.Read();
                    var batch = new RollupBatch();
                    (InteractionRollup first, InteractionRollup? second) = batch.For(
                        SqliteInteractionRollups.HourOf(reader.GetInt64(0)), Text(reader, 1), Text(reader, 2));
                    first.AddFeedback(feedback.Rating, feedback.Labels ?? []);
                    second?.AddFeedback(feedback.Rating, feedback.Labels ?? []);
                    SqliteInteractionRollups.Save(_connection, transaction, batch);
                }
            }

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
        IReadOnlyList<InteractionRecord> found = await ReadAsync($"SELECT {Columns} FROM interactions WHERE id = @id", interactionId, 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> GetRecentAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return await ReadAsync($"SELECT {Columns} FROM interactions ORDER BY ts DESC, id DESC LIMIT @count", null, count, cancellationToken).ConfigureAwait(false);
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
            $"SELECT {Columns} FROM interactions{filter} ORDER BY ts DESC, id DESC LIMIT @count OFFSET {query.Skip.ToString(CultureInfo.InvariantCulture)}",
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
            command.CommandText = "SELECT ts, rating, labels, corrected_answer, relevant, irrelevant, comment, user_id FROM feedback WHERE interaction_id = @id ORDER BY id";
            command.Parameters.AddWithValue("@id", interactionId);
            using SqliteDataReader reader = command.ExecuteReader();
            var list = new List<InteractionFeedback>();
            while (reader.Read())
            {
                list.Add(new InteractionFeedback
                {
                    Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    Rating = reader.IsDBNull(1) ? null : reader.GetInt32(1),
                    Labels = Strings(reader.GetString(2)),
                    CorrectedAnswer = reader.IsDBNull(3) ? null : reader.GetString(3),
                    RelevantChunkIds = Strings(reader.GetString(4)),
                    IrrelevantChunkIds = Strings(reader.GetString(5)),
                    Comment = reader.IsDBNull(6) ? null : reader.GetString(6),
                    UserId = reader.IsDBNull(7) ? null : reader.GetString(7),
                });
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

    private void Initialize()
    {
        long version = Scalar("PRAGMA user_version");
        if (version > SchemaVersion)
        {
            throw new InvalidDataException($"'{Path}' holds an interaction store of schema version {version}, written by a newer Llm.Stack; this one reads version {SchemaVersion}.");
        }

        // auto_vacuum takes effect only before the first table is created: retention can then give pages back.
        Execute("PRAGMA auto_vacuum = INCREMENTAL");
        Execute("PRAGMA journal_mode = WAL");
        Execute("PRAGMA synchronous = NORMAL");
        Execute("PRAGMA foreign_keys = ON");
        Execute(
            "CREATE TABLE IF NOT EXISTS interactions (" +
            "id TEXT NOT NULL PRIMARY KEY, ts INTEGER NOT NULL, operation TEXT NOT NULL, tenant_id TEXT, user_id TEXT, model_id TEXT, " +
            "prompt_template TEXT, prompt_template_version TEXT, question TEXT, rewritten_query TEXT, retrieved TEXT NOT NULL, cited TEXT NOT NULL, " +
            "answer TEXT, input_tokens INTEGER, output_tokens INTEGER, ttft_ms REAL, duration_ms REAL NOT NULL, cost TEXT, guardrails TEXT NOT NULL, error TEXT, " +
            "top_score REAL);" +
            "CREATE INDEX IF NOT EXISTS interactions_ts ON interactions (ts);" +
            "CREATE TABLE IF NOT EXISTS feedback (" +
            "id INTEGER PRIMARY KEY, interaction_id TEXT NOT NULL REFERENCES interactions (id) ON DELETE CASCADE, ts INTEGER NOT NULL, rating INTEGER, " +
            "labels TEXT NOT NULL, corrected_answer TEXT, relevant TEXT NOT NULL, irrelevant TEXT NOT NULL, comment TEXT, user_id TEXT);" +
            "CREATE INDEX IF NOT EXISTS feedback_interaction ON feedback (interaction_id);");
        if (version == 1)
        {
            // Version 1 had no best-score column: add it and fill it from the stored sources, in one transaction.
            Execute(
                "BEGIN; ALTER TABLE interactions ADD COLUMN top_score REAL; " +
                "UPDATE interactions SET top_score = (SELECT max(json_extract(value, '$.score')) FROM json_each(retrieved)) WHERE retrieved <> '[]'; COMMIT;");
        }

        // The dashboard's model and tenant filters, and the lists it offers for them. A filter with a time range (the rows
        // of a range's partial end hours, of buckets narrower than an hour) is one range of (model_id, ts) or
        // (tenant_id, ts). Files written before had indexes on model_id and tenant_id alone, which SQLite's planner
        // prefers to the time index for such a range, reading every row of the model or tenant: they are replaced.
        // An older version opening the file again adds its own back, which only costs their upkeep.
        Execute(
            "BEGIN; DROP INDEX IF EXISTS interactions_model; DROP INDEX IF EXISTS interactions_tenant;" +
            "CREATE INDEX IF NOT EXISTS interactions_model_ts ON interactions (model_id, ts);" +
            "CREATE INDEX IF NOT EXISTS interactions_tenant_ts ON interactions (tenant_id, ts); COMMIT;");
        if (version < SchemaVersion)
        {
            // Version 3 added the roll-ups: build them from the stored rows, in one transaction with the version.
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using (SqliteCommand create = _connection.CreateCommand())
            {
                create.Transaction = transaction;
                create.CommandText = SqliteInteractionRollups.Schema;
                create.ExecuteNonQuery();
            }

            SqliteInteractionRollups.RebuildAll(_connection, transaction);
            using (SqliteCommand setVersion = _connection.CreateCommand())
            {
                setVersion.Transaction = transaction;
                setVersion.CommandText = $"PRAGMA user_version = {SchemaVersion}";
                setVersion.ExecuteNonQuery();
            }

            transaction.Commit();
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
                RemoveRollupsUpTo(transaction, cutoff - 1);
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
            RemoveRollupsUpTo(transaction, newestRemoved);
            transaction.Commit();
        }

        if (deleted > 0)
        {
            Execute("PRAGMA incremental_vacuum");
            Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }

        return deleted;
    }

    /// <summary>Keeps the roll-ups equal to the rows after the oldest interactions, up to some at <paramref name="newestRemovedMs"/>, were deleted: the hours before its hour drop theirs, its hour is built again.</summary>
    private void RemoveRollupsUpTo(SqliteTransaction transaction, long newestRemovedMs)
    {
        long hour = SqliteInteractionRollups.HourOf(newestRemovedMs);
        SqliteInteractionRollups.DeleteBefore(_connection, transaction, hour);
        SqliteInteractionRollups.Rebuild(_connection, transaction, hour, hour + 1);
    }

    /// <summary>Adds a written batch to the roll-ups: the records of hours to be built again are read back from the rows instead.</summary>
    private void UpdateRollups(SqliteTransaction transaction, IReadOnlyList<InteractionRecord> records, HashSet<long>? rebuild)
    {
        var batch = new RollupBatch();
        foreach (InteractionRecord r in records)
        {
            long hour = SqliteInteractionRollups.HourOf(r.Timestamp.ToUnixTimeMilliseconds());
            if (rebuild?.Contains(hour) == true)
            {
                continue;
            }

            (InteractionRollup first, InteractionRollup? second) = batch.For(hour, r.ModelId, r.TenantId);
            AddRecord(first, r);
            if (second is not null)
            {
                AddRecord(second, r);
            }
        }

        SqliteInteractionRollups.Save(_connection, transaction, batch);
        foreach (long hour in rebuild ?? [])
        {
            SqliteInteractionRollups.Rebuild(_connection, transaction, hour, hour + 1);
        }
    }

    /// <summary>Adds a record as its stored row reads: the same values <see cref="SqliteInteractionRollups.ReadRows"/> would add.</summary>
    private static void AddRecord(InteractionRollup rollup, InteractionRecord r) =>
        rollup.Add(
            rag: (r.Operation ?? "chat") == "rag",
            failed: r.Error is not null,
            citesNothing: r.CitedChunkIds is null || r.CitedChunkIds.Count == 0,
            guardrailDecisions: r.GuardrailDecisions ?? [],
            inputTokens: r.InputTokens,
            outputTokens: r.OutputTokens,
            timeToFirstTokenMs: r.TimeToFirstToken?.TotalMilliseconds,
            durationMs: r.Duration.TotalMilliseconds,
            cost: r.Cost,
            topScore: TopScore(r.RetrievedChunks));

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
                list.Add(new InteractionRecord
                {
                    Id = reader.GetString(0),
                    Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    Operation = reader.GetString(2),
                    TenantId = Text(reader, 3),
                    UserId = Text(reader, 4),
                    ModelId = Text(reader, 5),
                    PromptTemplate = Text(reader, 6),
                    PromptTemplateVersion = Text(reader, 7),
                    Question = Text(reader, 8),
                    RewrittenQuery = Text(reader, 9),
                    RetrievedChunks = Chunks(reader.GetString(10)),
                    CitedChunkIds = Strings(reader.GetString(11)),
                    Answer = Text(reader, 12),
                    InputTokens = reader.IsDBNull(13) ? null : reader.GetInt64(13),
                    OutputTokens = reader.IsDBNull(14) ? null : reader.GetInt64(14),
                    TimeToFirstToken = reader.IsDBNull(15) ? null : TimeSpan.FromMilliseconds(reader.GetDouble(15)),
                    Duration = TimeSpan.FromMilliseconds(reader.GetDouble(16)),
                    Cost = reader.IsDBNull(17) ? null : decimal.Parse(reader.GetString(17), CultureInfo.InvariantCulture),
                    GuardrailDecisions = Strings(reader.GetString(18)),
                    Error = Text(reader, 19),
                });
            }

            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Execute(string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static double? TopScore(IReadOnlyList<InteractionChunk>? chunks)
    {
        if (chunks is null || chunks.Count == 0)
        {
            return null;
        }

        double top = double.NegativeInfinity;
        foreach (InteractionChunk chunk in chunks)
        {
            top = Math.Max(top, chunk.Score);
        }

        return double.IsFinite(top) ? top : null;
    }

    private static object Db(string? value) => value is null ? DBNull.Value : value;

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string StringsJson(IReadOnlyList<string>? items, ArrayBufferWriter<byte> buffer)
    {
        if (items is null || items.Count == 0)
        {
            return "[]";
        }

        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (string item in items)
            {
                json.WriteStringValue(item);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string ChunksJson(IReadOnlyList<InteractionChunk>? chunks, ArrayBufferWriter<byte> buffer)
    {
        if (chunks is null || chunks.Count == 0)
        {
            return "[]";
        }

        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (InteractionChunk chunk in chunks)
            {
                json.WriteStartObject();
                json.WriteString("id", chunk.ChunkId);
                json.WriteNumber("score", chunk.Score);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string[] Strings(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetString() ?? string.Empty)];
    }

    private static InteractionChunk[] Chunks(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => new InteractionChunk(e.GetProperty("id").GetString() ?? string.Empty, e.GetProperty("score").GetDouble()))];
    }
}
