using Microsoft.Data.Sqlite;

namespace Llm.Stack.Monitoring.Tests;

/// <summary>
/// The roll-ups <see cref="SqliteInteractionStore"/> keeps as it writes: <see cref="SqliteInteractionStore.GetStatisticsAsync"/>
/// answered from them equals the same summary read from every row, after writes, replacements, feedback, retention and
/// an upgrade from the schema without them.
/// </summary>
public sealed class InteractionRollupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_dashboard_query_from_the_rollups_equals_the_rows()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        await data.WriteToAsync(store);
        await store.WriteAsync(Unattributed(data.Start));

        foreach (InteractionStatisticsQuery query in Queries(data.Start))
        {
            await AssertRollupsEqualRowsAsync(store, query);
        }
    }

    [Fact]
    public async Task Whole_hours_are_read_from_the_rollups_not_the_rows()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        string path = _folder.File("log.db");
        await using var store = new SqliteInteractionStore(path);
        await data.WriteToAsync(store);
        var query = new InteractionStatisticsQuery { From = data.Start, To = data.Start.AddHours(40) };
        InteractionStatistics before = await store.GetStatisticsAsync(query);

        // Rows deleted behind the store's back: the whole hours' numbers stay, only the partial first hour's go.
        using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            using SqliteCommand delete = other.CreateCommand();
            delete.CommandText = "PRAGMA foreign_keys = ON; DELETE FROM interactions";
            delete.ExecuteNonQuery();
        }

        InteractionStatistics after = await store.GetStatisticsAsync(query);
        long firstPartialHour = data.Records.Count(r => r.Timestamp < NextHour(data.Start));
        Assert.InRange(firstPartialHour, 1, 5);
        Assert.Equal(before.Count - firstPartialHour, after.Count);
        Assert.Equal(0, (await store.GetStatisticsFromRowsAsync(query)).Count);
    }

    [Fact]
    public async Task Replaced_records_later_feedback_and_retention_by_age_keep_the_rollups_equal_to_the_rows()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        await using var store = new SqliteInteractionStore(_folder.File("log.db"), maxAge: TimeSpan.FromHours(30));
        await data.WriteToAsync(store);

        // The same ids written again: moved to another hour, another model and tenant, failed, no longer blocked.
        InteractionRecord[] replacements =
        [
            .. data.Records.Where((_, i) => i % 8 == 3).Select(r => new InteractionRecord
            {
                Id = r.Id,
                Timestamp = r.Timestamp.AddMinutes(97),
                Operation = "rag",
                ModelId = "model-c",
                TenantId = r.TenantId == "acme" ? null : "initech",
                Duration = r.Duration * 3,
                Error = "HttpRequestException",
                RetrievedChunks = [new("z", 0.95)],
                InputTokens = 7,
                Cost = 0.5m,
            }),
        ];
        await store.WriteAsync(replacements);
        Assert.True(await store.AddFeedbackAsync(replacements[0].Id, new InteractionFeedback { Rating = 1 }));
        Assert.True(await store.AddFeedbackAsync(data.Records[^1].Id, new InteractionFeedback { Labels = [InteractionLabels.Incorrect] }));

        foreach (InteractionStatisticsQuery query in Queries(data.Start))
        {
            await AssertRollupsEqualRowsAsync(store, query);
        }

        InteractionStatistics replaced = await store.GetStatisticsAsync(new InteractionStatisticsQuery { From = data.Start, To = data.Start.AddDays(3), ModelId = "model-c" });
        Assert.Equal(replacements.Length, replaced.Count);
        Assert.Equal(replacements.Length * 0.5m, replaced.Cost);

        // Retention cuts the data 30 hours back, inside an hour: that hour is built again from what is left.
        long removed = await store.ApplyRetentionAsync();
        Assert.True(removed > 0);
        foreach (InteractionStatisticsQuery query in Queries(data.Start))
        {
            await AssertRollupsEqualRowsAsync(store, query, mayBeEmpty: true);
        }

        InteractionStatistics kept = await store.GetStatisticsAsync(new InteractionStatisticsQuery { From = data.Start, To = data.Start.AddDays(3) });
        Assert.Equal((await store.GetRecentAsync(1000)).Count, kept.Count);
        Assert.Equal(data.Records.Count - removed, kept.Count);
    }

    [Fact]
    public async Task Retention_by_size_keeps_the_rollups_equal_to_the_rows()
    {
        string path = _folder.File("log.db");
        await using var store = new SqliteInteractionStore(path, maxSizeBytes: 256 * 1024);
        string answer = new('x', 1000);
        DateTimeOffset start = DateTimeOffset.UtcNow.AddHours(-30);
        for (int batch = 0; batch < 4; batch++)
        {
            await store.WriteAsync([.. Enumerable.Range(batch * 300, 300).Select(i => new InteractionRecord
            {
                Id = $"r{i:D5}",
                Timestamp = start.AddSeconds(i * 90),
                ModelId = $"m{i % 3}",
                TenantId = $"t{i % 2}",
                Answer = answer,
                Duration = TimeSpan.FromMilliseconds(10 + i),
            })]);
        }

        Assert.True(await store.ApplyRetentionAsync() > 0);
        var all = new InteractionStatisticsQuery { From = start.AddHours(-1), To = start.AddHours(31) };
        await AssertRollupsEqualRowsAsync(store, all);
        await AssertRollupsEqualRowsAsync(store, new InteractionStatisticsQuery { From = start.AddHours(-1), To = start.AddHours(31), TenantId = "t1" });
        Assert.Equal((await store.GetRecentAsync(10_000)).Count, (await store.GetStatisticsAsync(all)).Count);
    }

    [Fact]
    public async Task A_store_of_the_schema_without_rollups_builds_them_when_opened()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        string path = _folder.File("v2.db");
        await using (var store = new SqliteInteractionStore(path))
        {
            await data.WriteToAsync(store);
        }

        using (var v2 = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v2.Open();
            using SqliteCommand downgrade = v2.CreateCommand();
            downgrade.CommandText =
                "DROP TABLE rollup_model; DROP TABLE rollup_tenant; DROP INDEX interactions_model_ts; DROP INDEX interactions_tenant_ts; " +
                "CREATE INDEX interactions_model ON interactions (model_id); CREATE INDEX interactions_tenant ON interactions (tenant_id); PRAGMA user_version = 2;";
            downgrade.ExecuteNonQuery();
        }

        await using var upgraded = new SqliteInteractionStore(path);
        Assert.Equal(["interactions_model_ts", "interactions_tenant_ts", "interactions_ts"], Indexes(path, "interactions"));
        foreach (InteractionStatisticsQuery query in Queries(data.Start))
        {
            await AssertRollupsEqualRowsAsync(upgraded, query);
        }

        Assert.Equal(data.Records.Count, (await upgraded.GetStatisticsAsync(new InteractionStatisticsQuery { From = data.Start.AddHours(-2), To = data.Start.AddDays(2) })).Count);
    }

    [Theory]
    [InlineData("model-a", null, "interactions_model_ts (model_id=? AND ts>? AND ts<?)")]
    [InlineData(null, "acme", "interactions_tenant_ts (tenant_id=? AND ts>? AND ts<?)")]
    [InlineData(null, null, "interactions_ts (ts>? AND ts<?)")]
    public async Task A_filtered_range_of_rows_is_read_as_one_range_of_an_index(string? model, string? tenant, string index)
    {
        // SQLite's planner chooses from the indexes and the filters alone (the statistics of ANALYZE are not kept), so the
        // plan of a 30-row store is the plan of a million-row one: the rows of a model's or tenant's range must be found
        // through that index's range, not by reading every row of the model or tenant (issue 20's 1M-row benchmark).
        var data = new DashboardData(DateTimeOffset.UtcNow);
        string path = _folder.File("log.db");
        await using var store = new SqliteInteractionStore(path);
        await data.WriteToAsync(store);

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        foreach (string sql in (string[])[SqliteInteractionRollups.RowsSql(model, tenant), SqliteInteractionRollups.FeedbackSql(model, tenant)])
        {
            using SqliteCommand explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
            explain.Parameters.AddWithValue("@from", 0L);
            explain.Parameters.AddWithValue("@to", 1L);
            explain.Parameters.AddWithValue("@model", (object?)model ?? DBNull.Value);
            explain.Parameters.AddWithValue("@tenant", (object?)tenant ?? DBNull.Value);
            using SqliteDataReader plan = explain.ExecuteReader();
            Assert.True(plan.Read());
            Assert.Equal("SEARCH i USING INDEX " + index, plan.GetString(3));
        }
    }

    private static string[] Indexes(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = @table AND sql IS NOT NULL ORDER BY name";
        command.Parameters.AddWithValue("@table", table);
        using SqliteDataReader reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return [.. names];
    }

    /// <summary>Interactions of no model and no tenant, and one without sources or times, in the data's hours.</summary>
    private static InteractionRecord[] Unattributed(DateTimeOffset start) =>
    [
        new() { Id = "u1", Timestamp = start.AddMinutes(75), Duration = TimeSpan.FromMilliseconds(3), RetrievedChunks = [new("a", -0.25)] },
        new() { Id = "u2", Timestamp = start.AddMinutes(80), ModelId = "model-a", Duration = TimeSpan.Zero, Cost = 0.0000001m },
        new() { Id = "u3", Timestamp = start.AddHours(20), TenantId = "acme", Operation = "rag", Duration = TimeSpan.FromSeconds(40), GuardrailDecisions = ["blocked:x", "blocked:x"] },
    ];

    /// <summary>What the dashboard asks: whole ranges, ranges cut inside hours, every filter, hour, day and sub-hour buckets.</summary>
    private static InteractionStatisticsQuery[] Queries(DateTimeOffset start) =>
    [
        new() { From = start.AddHours(-3), To = start.AddDays(2) },
        new() { From = start.AddMinutes(17), To = start.AddHours(33).AddMinutes(41) },
        new() { From = start.AddMinutes(17), To = start.AddHours(33).AddMinutes(41), ModelId = "model-a" },
        new() { From = start.AddMinutes(17), To = start.AddHours(33).AddMinutes(41), TenantId = "globex" },
        new() { From = start.AddMinutes(17), To = start.AddHours(33).AddMinutes(41), ModelId = "model-b", TenantId = "acme" },
        new() { From = start.AddMinutes(17), To = start.AddHours(39), MaxBuckets = 4 },
        new() { From = start.AddMinutes(-5), To = start.AddDays(2), MaxBuckets = 1, TenantId = "acme" },
        new() { From = start.AddHours(2), To = start.AddHours(8), MaxBuckets = 48 },
        new() { From = start.AddHours(5).AddMinutes(3), To = start.AddHours(6).AddMinutes(59) },
    ];

    private static DateTimeOffset NextHour(DateTimeOffset t) =>
        DateTimeOffset.FromUnixTimeMilliseconds(((t.ToUnixTimeMilliseconds() / 3_600_000) + 1) * 3_600_000);

    private static async Task AssertRollupsEqualRowsAsync(SqliteInteractionStore store, InteractionStatisticsQuery query, bool mayBeEmpty = false)
    {
        InteractionStatistics a = await store.GetStatisticsAsync(query);
        InteractionStatistics b = await store.GetStatisticsFromRowsAsync(query);
        Assert.True(mayBeEmpty || b.Count > 0, "The query selects something.");
        Assert.Equal((b.From, b.To, b.BucketWidth), (a.From, a.To, a.BucketWidth));
        Assert.Equal(
            (b.Count, b.ErrorCount, b.AnswerCount, b.UnansweredCount, b.GuardrailBlockCount, b.PositiveFeedbackCount, b.NegativeFeedbackCount, b.InputTokens, b.OutputTokens, b.Cost),
            (a.Count, a.ErrorCount, a.AnswerCount, a.UnansweredCount, a.GuardrailBlockCount, a.PositiveFeedbackCount, a.NegativeFeedbackCount, a.InputTokens, a.OutputTokens, a.Cost));
        Assert.Equal(b.GuardrailBlocks, a.GuardrailBlocks);
        Assert.Equal((b.LatencyP50, b.LatencyP95, b.TimeToFirstTokenP50, b.TimeToFirstTokenP95), (a.LatencyP50, a.LatencyP95, a.TimeToFirstTokenP50, a.TimeToFirstTokenP95));
        AssertClose(b.MeanTopScore, a.MeanTopScore);
        Assert.Equal(b.Buckets.Count, a.Buckets.Count);
        foreach ((InteractionStatisticsBucket x, InteractionStatisticsBucket y) in b.Buckets.Zip(a.Buckets))
        {
            Assert.Equal(
                (x.Start, x.Count, x.ErrorCount, x.LatencyP50, x.LatencyP95, x.TimeToFirstTokenP50, x.TimeToFirstTokenP95),
                (y.Start, y.Count, y.ErrorCount, y.LatencyP50, y.LatencyP95, y.TimeToFirstTokenP50, y.TimeToFirstTokenP95));
            AssertClose(x.MeanTopScore, y.MeanTopScore);
        }

        Assert.Equal(
            b.ModelDays.Select(d => (d.Day, d.ModelId, d.Count, d.InputTokens, d.OutputTokens, d.Cost)),
            a.ModelDays.Select(d => (d.Day, d.ModelId, d.Count, d.InputTokens, d.OutputTokens, d.Cost)));
        Assert.Equal(b.TopScoreHistogram, a.TopScoreHistogram);
        Assert.Equal(b.Models, a.Models);
        Assert.Equal(b.Tenants, a.Tenants);
    }

    private static void AssertClose(double? expected, double? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is { } e)
        {
            Assert.Equal(e, actual!.Value, 12);
        }
    }
}
