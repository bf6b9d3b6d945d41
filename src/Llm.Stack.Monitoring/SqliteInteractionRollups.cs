using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring;

/// <summary>
/// The roll-ups <see cref="SqliteInteractionStore"/> keeps as it writes, so that the dashboard's statistics add up a
/// few thousand of them instead of grouping a million rows: one <see cref="InteractionRollup"/> per UTC hour and model
/// (<c>rollup_model</c>), and one per tenant, hour and model for the interactions that have a tenant (<c>rollup_tenant</c>).
/// </summary>
/// <remarks>
/// <para>
/// New interactions and feedback are added to their hour's roll-ups in the transaction that stores them. Anything that
/// removes or changes a stored interaction (retention, a record replacing one with the same id) builds the hours it
/// touched again from their rows, so a roll-up always equals what its rows give.
/// </para>
/// <para>Not thread-safe: the store calls it under its gate, on its one connection.</para>
/// </remarks>
internal static class SqliteInteractionRollups
{
    /// <summary>The width of a roll-up, in milliseconds: one hour.</summary>
    public const long HourMs = 3_600_000;

    /// <summary>The columns <see cref="AddRow"/> reads, in its order.</summary>
    private const string RowColumns =
        "ts, operation = 'rag', error IS NOT NULL, cited = '[]', guardrails, input_tokens, output_tokens, ttft_ms, duration_ms, cost, top_score, model_id, tenant_id";

    public const string Schema =
        "CREATE TABLE IF NOT EXISTS rollup_model (hour INTEGER NOT NULL, model TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (hour, model));" +
        "CREATE TABLE IF NOT EXISTS rollup_tenant (tenant TEXT NOT NULL, hour INTEGER NOT NULL, model TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant, hour, model));" +
        "CREATE INDEX IF NOT EXISTS rollup_tenant_hour ON rollup_tenant (hour);";

    /// <summary>The hour a Unix-millisecond time falls in (rounded down, also before 1970).</summary>
    public static long HourOf(long unixMs) => Math.DivRem(unixMs, HourMs, out long remainder) - (remainder < 0 ? 1 : 0);

    /// <summary>The stored form of a model id: <see langword="null"/> as an empty string, any id after a <c>=</c>, so that both are distinct keys.</summary>
    public static string ModelKey(string? modelId) => modelId is null ? string.Empty : "=" + modelId;

    public static string? ModelId(string modelKey) => modelKey.Length == 0 ? null : modelKey[1..];

    /// <summary>Adds roll-ups to the stored ones (or stores them where there are none).</summary>
    public static void Save(SqliteConnection connection, SqliteTransaction transaction, RollupBatch batch)
    {
        if (batch.ByModel.Count > 0)
        {
            using SqliteCommand select = Command(connection, transaction, "SELECT data FROM rollup_model WHERE hour = @hour AND model = @model");
            using SqliteCommand upsert = Command(
                connection, transaction,
                "INSERT INTO rollup_model (hour, model, data) VALUES (@hour, @model, @data) ON CONFLICT (hour, model) DO UPDATE SET data = excluded.data");
            foreach (((long hour, string? model), InteractionRollup rollup) in batch.ByModel)
            {
                SetKey(select, hour, model, null);
                SetKey(upsert, hour, model, null);
                Upsert(select, upsert, rollup);
            }
        }

        if (batch.ByTenant.Count > 0)
        {
            using SqliteCommand select = Command(connection, transaction, "SELECT data FROM rollup_tenant WHERE tenant = @tenant AND hour = @hour AND model = @model");
            using SqliteCommand upsert = Command(
                connection, transaction,
                "INSERT INTO rollup_tenant (tenant, hour, model, data) VALUES (@tenant, @hour, @model, @data) ON CONFLICT (tenant, hour, model) DO UPDATE SET data = excluded.data");
            foreach (((long hour, string tenant, string? model), InteractionRollup rollup) in batch.ByTenant)
            {
                SetKey(select, hour, model, tenant);
                SetKey(upsert, hour, model, tenant);
                Upsert(select, upsert, rollup);
            }
        }
    }

    /// <summary>Adds a written batch to the roll-ups; the records of the hours in <paramref name="rebuild"/> (those of replaced records and of their replacements) are read back from the rows instead.</summary>
    public static void AddWritten(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<InteractionRecord> records, HashSet<long>? rebuild)
    {
        var batch = new RollupBatch();
        foreach (InteractionRecord r in records)
        {
            long hour = HourOf(r.Timestamp.ToUnixTimeMilliseconds());
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

        Save(connection, transaction, batch);
        foreach (long hour in rebuild ?? [])
        {
            Rebuild(connection, transaction, hour, hour + 1);
        }
    }

    /// <summary>Adds a stored feedback entry to its interaction's roll-ups, when it counts as positive or negative.</summary>
    public static void AddFeedback(SqliteConnection connection, SqliteTransaction transaction, string interactionId, InteractionFeedback feedback)
    {
        if (InteractionRollup.Classify(feedback.Rating, feedback.Labels ?? []) is not ((true, _) or (_, true)))
        {
            return;
        }

        using SqliteCommand key = Command(connection, transaction, "SELECT ts, model_id, tenant_id FROM interactions WHERE id = @id");
        key.Parameters.AddWithValue("@id", interactionId);
        var batch = new RollupBatch();
        using (SqliteDataReader reader = key.ExecuteReader())
        {
            reader.Read();
            (InteractionRollup first, InteractionRollup? second) = batch.For(HourOf(reader.GetInt64(0)), Text(reader, 1), Text(reader, 2));
            first.AddFeedback(feedback.Rating, feedback.Labels ?? []);
            second?.AddFeedback(feedback.Rating, feedback.Labels ?? []);
        }

        Save(connection, transaction, batch);
    }

    /// <summary>Keeps the roll-ups equal to the rows after the oldest interactions, up to some at <paramref name="newestRemovedMs"/>, were deleted: the hours before its hour drop theirs, its hour is built again.</summary>
    public static void RemoveUpTo(SqliteConnection connection, SqliteTransaction transaction, long newestRemovedMs)
    {
        long hour = HourOf(newestRemovedMs);
        DeleteBefore(connection, transaction, hour);
        Rebuild(connection, transaction, hour, hour + 1);
    }

    /// <summary>Builds the roll-ups of the hours [<paramref name="fromHour"/>, <paramref name="toHour"/>) again from the rows, a day at a time.</summary>
    public static void Rebuild(SqliteConnection connection, SqliteTransaction transaction, long fromHour, long toHour)
    {
        for (long start = fromHour; start < toHour; start += 24)
        {
            long end = Math.Min(toHour, start + 24);
            foreach (string table in (string[])["rollup_model", "rollup_tenant"])
            {
                using SqliteCommand delete = Command(connection, transaction, $"DELETE FROM {table} WHERE hour >= @from AND hour < @to");
                delete.Parameters.AddWithValue("@from", start);
                delete.Parameters.AddWithValue("@to", end);
                delete.ExecuteNonQuery();
            }

            var batch = new RollupBatch();
            ReadRows(connection, transaction, start * HourMs, end * HourMs, null, null, (ts, model, tenant) => batch.For(HourOf(ts), model, tenant));
            Save(connection, transaction, batch);
        }
    }

    /// <summary>Builds every hour that holds interactions again (a store opened from an older schema).</summary>
    public static void RebuildAll(SqliteConnection connection, SqliteTransaction transaction)
    {
        using SqliteCommand range = Command(connection, transaction, "SELECT min(ts), max(ts) FROM interactions");
        using SqliteDataReader reader = range.ExecuteReader();
        reader.Read();
        if (!reader.IsDBNull(0))
        {
            Rebuild(connection, transaction, HourOf(reader.GetInt64(0)), HourOf(reader.GetInt64(1)) + 1);
        }
    }

    /// <summary>Deletes the roll-ups of the hours before <paramref name="hour"/>.</summary>
    private static void DeleteBefore(SqliteConnection connection, SqliteTransaction transaction, long hour)
    {
        foreach (string table in (string[])["rollup_model", "rollup_tenant"])
        {
            using SqliteCommand delete = Command(connection, transaction, $"DELETE FROM {table} WHERE hour < @hour");
            delete.Parameters.AddWithValue("@hour", hour);
            delete.ExecuteNonQuery();
        }
    }

    /// <summary>Reads the stored roll-ups of the hours [<paramref name="fromHour"/>, <paramref name="toHour"/>), of one model and one tenant when given.</summary>
    public static void Read(
        SqliteConnection connection, long fromHour, long toHour, string? modelId, string? tenantId, Action<long, string?, InteractionRollup> add)
    {
        string sql = tenantId is null
            ? "SELECT hour, model, data FROM rollup_model WHERE hour >= @from AND hour < @to"
            : "SELECT hour, model, data FROM rollup_tenant WHERE tenant = @tenant AND hour >= @from AND hour < @to";
        using SqliteCommand command = Command(connection, null, sql + (modelId is null ? "" : " AND model = @model"));
        command.Parameters.AddWithValue("@from", fromHour);
        command.Parameters.AddWithValue("@to", toHour);
        if (tenantId is not null)
        {
            command.Parameters.AddWithValue("@tenant", tenantId);
        }

        if (modelId is not null)
        {
            command.Parameters.AddWithValue("@model", ModelKey(modelId));
        }

        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            add(reader.GetInt64(0), ModelId(reader.GetString(1)), InteractionRollup.Read((byte[])reader.GetValue(2)));
        }
    }

    /// <summary>
    /// Adds the interactions of [<paramref name="fromMs"/>, <paramref name="toMs"/>) (of one model and one tenant when given) and
    /// their feedback to the roll-ups <paramref name="target"/> names for each row's time, model and tenant.
    /// </summary>
    public static void ReadRows(
        SqliteConnection connection, SqliteTransaction? transaction, long fromMs, long toMs, string? modelId, string? tenantId,
        Func<long, string?, string?, (InteractionRollup First, InteractionRollup? Second)> target)
    {
        using (SqliteCommand rows = Filtered(connection, transaction, RowsSql(modelId, tenantId), fromMs, toMs, modelId, tenantId))
        using (SqliteDataReader reader = rows.ExecuteReader())
        {
            while (reader.Read())
            {
                (InteractionRollup first, InteractionRollup? second) = target(reader.GetInt64(0), Text(reader, 11), Text(reader, 12));
                AddRow(first, reader);
                if (second is not null)
                {
                    AddRow(second, reader);
                }
            }
        }

        using SqliteCommand feedback = Filtered(connection, transaction, FeedbackSql(modelId, tenantId), fromMs, toMs, modelId, tenantId);
        using SqliteDataReader entries = feedback.ExecuteReader();
        while (entries.Read())
        {
            (InteractionRollup first, InteractionRollup? second) = target(entries.GetInt64(0), Text(entries, 1), Text(entries, 2));
            int? rating = entries.IsDBNull(3) ? null : entries.GetInt32(3);
            string labels = entries.GetString(4);
            first.AddFeedback(rating, labels);
            second?.AddFeedback(rating, labels);
        }
    }

    /// <summary>The statement <see cref="ReadRows"/> reads the rows of a range with (parameters <c>@from</c>, <c>@to</c>, and <c>@model</c> and <c>@tenant</c> when filtered).</summary>
    internal static string RowsSql(string? modelId, string? tenantId) => $"SELECT {RowColumns} FROM interactions i WHERE {RowsWhere(modelId, tenantId)}";

    /// <summary>
    /// The statement <see cref="ReadRows"/> reads the feedback of a range's rows with: the interactions drive the join
    /// (CROSS JOIN keeps that order), so the range is found through the time index, or the model's or tenant's time index.
    /// </summary>
    internal static string FeedbackSql(string? modelId, string? tenantId) =>
        $"SELECT i.ts, i.model_id, i.tenant_id, f.rating, f.labels FROM interactions i CROSS JOIN feedback f ON f.interaction_id = i.id WHERE {RowsWhere(modelId, tenantId)}";

    private static string RowsWhere(string? modelId, string? tenantId) =>
        "i.ts >= @from AND i.ts < @to" + (modelId is null ? "" : " AND i.model_id = @model") + (tenantId is null ? "" : " AND i.tenant_id = @tenant");

    /// <summary>Adds a record as its stored row reads: the same values <see cref="AddRow"/> adds from the row.</summary>
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
            topScore: SqliteInteractionRows.TopScore(r.RetrievedChunks));

    private static void AddRow(InteractionRollup rollup, SqliteDataReader reader)
    {
        string guardrails = reader.GetString(4);
        rollup.Add(
            rag: reader.GetBoolean(1),
            failed: reader.GetBoolean(2),
            citesNothing: reader.GetBoolean(3),
            guardrailDecisions: guardrails.Contains("blocked:", StringComparison.Ordinal) ? SqliteInteractionRows.Strings(guardrails) : [],
            inputTokens: reader.IsDBNull(5) ? null : reader.GetInt64(5),
            outputTokens: reader.IsDBNull(6) ? null : reader.GetInt64(6),
            timeToFirstTokenMs: reader.IsDBNull(7) ? null : reader.GetDouble(7),
            durationMs: reader.GetDouble(8),
            cost: reader.IsDBNull(9) ? null : decimal.Parse(reader.GetString(9), System.Globalization.CultureInfo.InvariantCulture),
            topScore: reader.IsDBNull(10) ? null : reader.GetDouble(10));
    }

    private static void Upsert(SqliteCommand select, SqliteCommand upsert, InteractionRollup rollup)
    {
        if (select.ExecuteScalar() is byte[] stored)
        {
            InteractionRollup merged = InteractionRollup.Read(stored);
            merged.Merge(rollup);
            rollup = merged;
        }

        upsert.Parameters.AddWithValue("@data", rollup.ToBytes());
        upsert.ExecuteNonQuery();
    }

    private static void SetKey(SqliteCommand command, long hour, string? modelId, string? tenantId)
    {
        command.Parameters.Clear();
        command.Parameters.AddWithValue("@hour", hour);
        command.Parameters.AddWithValue("@model", ModelKey(modelId));
        if (tenantId is not null)
        {
            command.Parameters.AddWithValue("@tenant", tenantId);
        }
    }

    private static SqliteCommand Filtered(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, long fromMs, long toMs, string? modelId, string? tenantId)
    {
        SqliteCommand command = Command(connection, transaction, sql);
        command.Parameters.AddWithValue("@from", fromMs);
        command.Parameters.AddWithValue("@to", toMs);
        if (modelId is not null)
        {
            command.Parameters.AddWithValue("@model", modelId);
        }

        if (tenantId is not null)
        {
            command.Parameters.AddWithValue("@tenant", tenantId);
        }

        return command;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => SqliteInteractionRows.Text(reader, ordinal);
}
