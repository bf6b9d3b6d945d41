using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring;

/// <summary>
/// How <see cref="SqliteInteractionStore"/> keeps an <see cref="InteractionRecord"/> and an <see cref="InteractionFeedback"/>
/// in its rows: the columns, the values written for a record (lists as JSON), and records and feedback read back.
/// </summary>
/// <remarks>Stateless; a <see cref="Writer"/> is not thread-safe (the store uses one per batch, under its gate).</remarks>
internal static class SqliteInteractionRows
{
    /// <summary>The columns of a record, in the order <see cref="ReadRecord"/> reads them.</summary>
    public const string Columns =
        "id, ts, operation, tenant_id, user_id, model_id, prompt_template, prompt_template_version, question, rewritten_query, " +
        "retrieved, cited, answer, input_tokens, output_tokens, ttft_ms, duration_ms, cost, guardrails, error";

    /// <summary>The columns of a feedback entry, in the order <see cref="ReadFeedback"/> reads them.</summary>
    public const string FeedbackColumns = "ts, rating, labels, corrected_answer, relevant, irrelevant, comment, user_id";

    /// <summary>The statement that adds a feedback entry when its interaction exists (<see cref="BindFeedback"/>).</summary>
    public const string AddFeedbackSql =
        "INSERT INTO feedback (interaction_id, ts, rating, labels, corrected_answer, relevant, irrelevant, comment, user_id) " +
        "SELECT @id, @ts, @rating, @labels, @corrected, @relevant, @irrelevant, @comment, @user WHERE EXISTS (SELECT 1 FROM interactions WHERE id = @id)";

    // Written with each record, read only by the statistics: the best retrieval score, so that no query parses JSON per row.
    private const string WriteColumns = Columns + ", top_score";

    /// <summary>Reads the record at the reader's row (<see cref="Columns"/>).</summary>
    public static InteractionRecord ReadRecord(SqliteDataReader reader) => new()
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
    };

    /// <summary>Reads the feedback entry at the reader's row (<see cref="FeedbackColumns"/>).</summary>
    public static InteractionFeedback ReadFeedback(SqliteDataReader reader) => new()
    {
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
        Rating = reader.IsDBNull(1) ? null : reader.GetInt32(1),
        Labels = Strings(reader.GetString(2)),
        CorrectedAnswer = Text(reader, 3),
        RelevantChunkIds = Strings(reader.GetString(4)),
        IrrelevantChunkIds = Strings(reader.GetString(5)),
        Comment = Text(reader, 6),
        UserId = Text(reader, 7),
    };

    /// <summary>Binds the parameters of the statement that adds a feedback entry to an existing interaction (<see cref="AddFeedbackSql"/>).</summary>
    public static void BindFeedback(SqliteCommand command, string interactionId, InteractionFeedback feedback, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        command.Parameters.AddWithValue("@id", interactionId);
        command.Parameters.AddWithValue("@ts", (feedback.Timestamp == default ? now : feedback.Timestamp).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@rating", feedback.Rating is int rating ? rating : DBNull.Value);
        command.Parameters.AddWithValue("@labels", StringsJson(feedback.Labels, buffer));
        command.Parameters.AddWithValue("@corrected", Db(feedback.CorrectedAnswer));
        command.Parameters.AddWithValue("@relevant", StringsJson(feedback.RelevantChunkIds, buffer));
        command.Parameters.AddWithValue("@irrelevant", StringsJson(feedback.IrrelevantChunkIds, buffer));
        command.Parameters.AddWithValue("@comment", Db(feedback.Comment));
        command.Parameters.AddWithValue("@user", Db(feedback.UserId));
    }

    /// <summary>The best retrieval score of a record's sources; <see langword="null"/> when it has none (or none is finite).</summary>
    public static double? TopScore(IReadOnlyList<InteractionChunk>? chunks)
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

    /// <summary>A text column's value, or <see langword="null"/>.</summary>
    public static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A stored JSON array of strings.</summary>
    public static string[] Strings(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetString() ?? string.Empty)];
    }

    private static object Db(string? value) => value is null ? DBNull.Value : value;

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

    private static InteractionChunk[] Chunks(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => new InteractionChunk(e.GetProperty("id").GetString() ?? string.Empty, e.GetProperty("score").GetDouble()))];
    }

    /// <summary>The prepared statements that write a batch of records in one transaction: upsert by id, and the stored time of an id.</summary>
    public sealed class Writer : IDisposable
    {
        private readonly SqliteCommand _insert;
        private readonly SqliteParameter[] _p;
        private readonly SqliteCommand _stored;
        private readonly SqliteParameter _storedId;
        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        public Writer(SqliteConnection connection, SqliteTransaction transaction)
        {
            _insert = connection.CreateCommand();
            _insert.Transaction = transaction;
            _insert.CommandText =
                $"INSERT INTO interactions ({WriteColumns}) VALUES (@id, @ts, @operation, @tenant, @user, @model, @template, @templateVersion, @question, @query, " +
                "@retrieved, @cited, @answer, @input, @output, @ttft, @duration, @cost, @guardrails, @error, @topScore) " +
                "ON CONFLICT(id) DO UPDATE SET ts = excluded.ts, operation = excluded.operation, tenant_id = excluded.tenant_id, user_id = excluded.user_id, " +
                "model_id = excluded.model_id, prompt_template = excluded.prompt_template, prompt_template_version = excluded.prompt_template_version, " +
                "question = excluded.question, rewritten_query = excluded.rewritten_query, retrieved = excluded.retrieved, cited = excluded.cited, " +
                "answer = excluded.answer, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, ttft_ms = excluded.ttft_ms, " +
                "duration_ms = excluded.duration_ms, cost = excluded.cost, guardrails = excluded.guardrails, error = excluded.error, top_score = excluded.top_score";
            _p =
            [
                _insert.Parameters.Add("@id", SqliteType.Text), _insert.Parameters.Add("@ts", SqliteType.Integer),
                _insert.Parameters.Add("@operation", SqliteType.Text), _insert.Parameters.Add("@tenant", SqliteType.Text),
                _insert.Parameters.Add("@user", SqliteType.Text), _insert.Parameters.Add("@model", SqliteType.Text),
                _insert.Parameters.Add("@template", SqliteType.Text), _insert.Parameters.Add("@templateVersion", SqliteType.Text),
                _insert.Parameters.Add("@question", SqliteType.Text), _insert.Parameters.Add("@query", SqliteType.Text),
                _insert.Parameters.Add("@retrieved", SqliteType.Text), _insert.Parameters.Add("@cited", SqliteType.Text),
                _insert.Parameters.Add("@answer", SqliteType.Text), _insert.Parameters.Add("@input", SqliteType.Integer),
                _insert.Parameters.Add("@output", SqliteType.Integer), _insert.Parameters.Add("@ttft", SqliteType.Real),
                _insert.Parameters.Add("@duration", SqliteType.Real), _insert.Parameters.Add("@cost", SqliteType.Text),
                _insert.Parameters.Add("@guardrails", SqliteType.Text), _insert.Parameters.Add("@error", SqliteType.Text),
                _insert.Parameters.Add("@topScore", SqliteType.Real),
            ];
            _insert.Prepare();
            _stored = connection.CreateCommand();
            _stored.Transaction = transaction;
            _stored.CommandText = "SELECT ts FROM interactions WHERE id = @id";
            _storedId = _stored.Parameters.Add("@id", SqliteType.Text);
            _stored.Prepare();
        }

        /// <summary>The stored time (Unix milliseconds) of the interaction with this id; <see langword="null"/> when none is stored.</summary>
        public long? StoredTime(string id)
        {
            _storedId.Value = id;
            return _stored.ExecuteScalar() is long ts ? ts : null;
        }

        /// <summary>Stores a record, replacing the one with its id.</summary>
        public void Upsert(InteractionRecord r)
        {
            SqliteParameter[] p = _p;
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
            p[10].Value = ChunksJson(r.RetrievedChunks, _buffer);
            p[11].Value = StringsJson(r.CitedChunkIds, _buffer);
            p[12].Value = Db(r.Answer);
            p[13].Value = r.InputTokens is long input ? input : DBNull.Value;
            p[14].Value = r.OutputTokens is long output ? output : DBNull.Value;
            p[15].Value = r.TimeToFirstToken is TimeSpan ttft ? ttft.TotalMilliseconds : DBNull.Value;
            p[16].Value = r.Duration.TotalMilliseconds;
            p[17].Value = r.Cost is decimal cost ? cost.ToString(CultureInfo.InvariantCulture) : DBNull.Value;
            p[18].Value = StringsJson(r.GuardrailDecisions, _buffer);
            p[19].Value = Db(r.Error);
            p[20].Value = TopScore(r.RetrievedChunks) is double top ? top : DBNull.Value;
            _insert.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _insert.Dispose();
            _stored.Dispose();
        }
    }
}
