using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring;

/// <summary>
/// The tables and indexes of <see cref="SqliteInteractionStore"/>'s file: creates them in a new file, and upgrades a
/// file of an older schema (version 1 had no best-score column, version 2 no roll-ups; files before the composite
/// model and tenant indexes had single-column ones).
/// </summary>
/// <remarks>Not thread-safe: the store calls it once, on its connection, before any other use.</remarks>
internal static class SqliteInteractionSchema
{
    /// <summary>The schema version this code writes and reads (<c>PRAGMA user_version</c>).</summary>
    public const int Version = 3;

    /// <summary>Sets the file's modes, creates what is missing and upgrades an older schema.</summary>
    /// <param name="connection">The store's open connection.</param>
    /// <param name="path">The file, for messages.</param>
    /// <exception cref="InvalidDataException">The file was written by a newer version.</exception>
    public static void Initialize(SqliteConnection connection, string path)
    {
        long version = Scalar(connection, "PRAGMA user_version");
        if (version > Version)
        {
            throw new InvalidDataException($"'{path}' holds an interaction store of schema version {version}, written by a newer Llm.Stack; this one reads version {Version}.");
        }

        // auto_vacuum takes effect only before the first table is created: retention can then give pages back.
        Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL");
        Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, "PRAGMA synchronous = NORMAL");
        Execute(connection, "PRAGMA foreign_keys = ON");
        Execute(
            connection,
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
                connection,
                "BEGIN; ALTER TABLE interactions ADD COLUMN top_score REAL; " +
                "UPDATE interactions SET top_score = (SELECT max(json_extract(value, '$.score')) FROM json_each(retrieved)) WHERE retrieved <> '[]'; COMMIT;");
        }

        // The dashboard's model and tenant filters, and the lists it offers for them. A filter with a time range (the rows
        // of a range's partial end hours, of buckets narrower than an hour) is one range of (model_id, ts) or
        // (tenant_id, ts). Files written before had indexes on model_id and tenant_id alone, which SQLite's planner
        // prefers to the time index for such a range, reading every row of the model or tenant: they are replaced.
        // An older version opening the file again adds its own back, which only costs their upkeep.
        Execute(
            connection,
            "BEGIN; DROP INDEX IF EXISTS interactions_model; DROP INDEX IF EXISTS interactions_tenant;" +
            "CREATE INDEX IF NOT EXISTS interactions_model_ts ON interactions (model_id, ts);" +
            "CREATE INDEX IF NOT EXISTS interactions_tenant_ts ON interactions (tenant_id, ts); COMMIT;");
        if (version < Version)
        {
            // Version 3 added the roll-ups: build them from the stored rows, in one transaction with the version.
            using SqliteTransaction transaction = connection.BeginTransaction();
            using (SqliteCommand create = connection.CreateCommand())
            {
                create.Transaction = transaction;
                create.CommandText = SqliteInteractionRollups.Schema;
                create.ExecuteNonQuery();
            }

            SqliteInteractionRollups.RebuildAll(connection, transaction);
            using (SqliteCommand setVersion = connection.CreateCommand())
            {
                setVersion.Transaction = transaction;
                setVersion.CommandText = $"PRAGMA user_version = {Version.ToString(CultureInfo.InvariantCulture)}";
                setVersion.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>Runs a statement (or several) outside any transaction object.</summary>
    public static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a statement that answers one integer.</summary>
    public static long Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
