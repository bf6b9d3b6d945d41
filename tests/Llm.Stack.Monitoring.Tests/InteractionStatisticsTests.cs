namespace Llm.Stack.Monitoring.Tests;

/// <summary>The dashboard's numbers from <see cref="SqliteInteractionStore.GetStatisticsAsync"/>, against LINQ over the records written.</summary>
public sealed class InteractionStatisticsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_number_matches_the_records_written()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        await data.WriteToAsync(store);

        InteractionStatistics s = await store.GetStatisticsAsync(new InteractionStatisticsQuery());
        List<InteractionRecord> all = data.Records;
        Assert.Equal(data.Start, s.From);
        Assert.Equal(all[^1].Timestamp.AddMilliseconds(1), s.To);
        Assert.Equal(all.Count, s.Count);
        Assert.Equal(all.Count(r => r.Error is not null), s.ErrorCount);
        Assert.Equal(all.Count(r => r.Operation == "rag"), s.AnswerCount);
        Assert.Equal(all.Count(r => r.Operation == "rag" && r.Error is null && r.CitedChunkIds.Count == 0), s.UnansweredCount);
        Assert.Equal(all.Count(r => r.GuardrailDecisions.Any(d => d.StartsWith("blocked:", StringComparison.Ordinal))), s.GuardrailBlockCount);
        Assert.Equal(
            all.SelectMany(r => r.GuardrailDecisions).Where(d => d.StartsWith("blocked:", StringComparison.Ordinal)).CountBy(d => d).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => new KeyValuePair<string, long>(p.Key, p.Value)),
            s.GuardrailBlocks);
        Assert.Equal(data.Feedback.Count(f => f.Feedback.Rating >= 4 || (f.Feedback.Rating is null && f.Feedback.Labels.Contains("correct"))), s.PositiveFeedbackCount);
        Assert.Equal(data.Feedback.Count(f => f.Feedback.Rating <= 2), s.NegativeFeedbackCount);
        Assert.Equal(all.Sum(r => r.InputTokens!.Value), s.InputTokens);
        Assert.Equal(all.Sum(r => r.OutputTokens!.Value), s.OutputTokens);
        Assert.Equal(all.Sum(r => r.Cost!.Value), s.Cost);
        Assert.Equal(all.Where(r => r.RetrievedChunks.Count > 0).Average(r => r.RetrievedChunks.Max(c => c.Score)), s.MeanTopScore!.Value, 12);

        // Percentiles from the log-scale histogram: within 2.5% of the exact ones.
        AssertClose(DashboardData.Percentile(all.Select(r => r.Duration.TotalMilliseconds), 0.50), s.LatencyP50);
        AssertClose(DashboardData.Percentile(all.Select(r => r.Duration.TotalMilliseconds), 0.95), s.LatencyP95);
        AssertClose(DashboardData.Percentile(all.Where(r => r.TimeToFirstToken is not null).Select(r => r.TimeToFirstToken!.Value.TotalMilliseconds), 0.50), s.TimeToFirstTokenP50);
        AssertClose(DashboardData.Percentile(all.Where(r => r.TimeToFirstToken is not null).Select(r => r.TimeToFirstToken!.Value.TotalMilliseconds), 0.95), s.TimeToFirstTokenP95);

        // Buckets: round widths, every interaction in the one its time falls in, empty ones included.
        Assert.Equal(TimeSpan.FromHours(1), s.BucketWidth);
        Assert.True(s.Buckets[0].Start <= s.From && s.From < s.Buckets[0].Start + s.BucketWidth);
        Assert.Equal(0, s.Buckets[0].Start.ToUnixTimeMilliseconds() % (long)s.BucketWidth.TotalMilliseconds);
        Assert.All(s.Buckets.Zip(s.Buckets.Skip(1)), pair => Assert.Equal(s.BucketWidth, pair.Second.Start - pair.First.Start));
        foreach (InteractionStatisticsBucket bucket in s.Buckets)
        {
            InteractionRecord[] inside = [.. all.Where(r => r.Timestamp >= bucket.Start && r.Timestamp < bucket.Start + s.BucketWidth)];
            Assert.Equal(inside.Length, bucket.Count);
            Assert.Equal(inside.Count(r => r.Error is not null), bucket.ErrorCount);
            Assert.Equal(inside.Length == 0, bucket.LatencyP50 is null);
            if (inside.Length > 0)
            {
                AssertClose(DashboardData.Percentile(inside.Select(r => r.Duration.TotalMilliseconds), 0.95), bucket.LatencyP95);
            }
        }

        // Tokens and cost per model and UTC day.
        var expectedDays = all
            .GroupBy(r => (Day: DateOnly.FromDateTime(r.Timestamp.UtcDateTime), r.ModelId))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.ModelId, StringComparer.Ordinal)
            .Select(g => (g.Key.Day, g.Key.ModelId, (long)g.Count(), g.Sum(r => r.InputTokens!.Value), g.Sum(r => r.OutputTokens!.Value), g.Sum(r => r.Cost!.Value)));
        Assert.Equal(expectedDays, s.ModelDays.Select(d => (d.Day, d.ModelId, d.Count, d.InputTokens, d.OutputTokens, d.Cost)));

        // The best retrieval score per answer, in equal bins from the lowest to the highest.
        double[] tops = [.. all.Where(r => r.RetrievedChunks.Count > 0).Select(r => r.RetrievedChunks.Max(c => c.Score))];
        Assert.Equal(tops.Min(), s.TopScoreHistogram[0].Low, 12);
        Assert.Equal(tops.Max(), s.TopScoreHistogram[^1].High, 12);
        Assert.Equal(tops.Length, s.TopScoreHistogram.Sum(b => b.Count));
        Assert.Equal(tops.Count(t => t >= s.TopScoreHistogram[0].Low && t < s.TopScoreHistogram[0].High), s.TopScoreHistogram[0].Count);

        Assert.Equal(["model-a", "model-b"], s.Models);
        Assert.Equal(["acme", "globex"], s.Tenants);
    }

    [Fact]
    public async Task Filters_by_model_tenant_and_time_select_only_those_interactions()
    {
        var data = new DashboardData(DateTimeOffset.UtcNow);
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        await data.WriteToAsync(store);
        DateTimeOffset from = data.Start.AddHours(10), to = data.Start.AddHours(20);

        InteractionStatistics s = await store.GetStatisticsAsync(new InteractionStatisticsQuery { ModelId = "model-a", TenantId = "globex", From = from, To = to });
        InteractionRecord[] expected = [.. data.Records.Where(r => r.ModelId == "model-a" && r.TenantId == "globex" && r.Timestamp >= from && r.Timestamp < to)];
        Assert.NotEmpty(expected);
        Assert.Equal((from, to), (s.From, s.To));
        Assert.Equal(expected.Length, s.Count);
        Assert.Equal(expected.Sum(r => r.InputTokens!.Value), s.InputTokens);
        Assert.Equal(expected.Length, s.Buckets.Sum(b => b.Count));
        Assert.Equal(data.Feedback.Count(f => expected.Any(r => r.Id == f.Id) && f.Feedback.Rating <= 2), s.NegativeFeedbackCount);

        // The filter lists still offer every model and tenant.
        Assert.Equal(["model-a", "model-b"], s.Models);
        Assert.Equal(["acme", "globex"], s.Tenants);

        InteractionStatistics none = await store.GetStatisticsAsync(new InteractionStatisticsQuery { ModelId = "no-such-model" });
        Assert.Equal(0, none.Count);
        Assert.Null(none.LatencyP50);
        Assert.Empty(none.TopScoreHistogram);
        Assert.Null(none.PositiveFeedbackRatio);
    }

    [Fact]
    public async Task An_empty_store_summarises_the_last_day_as_nothing()
    {
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        InteractionStatistics s = await store.GetStatisticsAsync(new InteractionStatisticsQuery());
        Assert.Equal(0, s.Count);
        Assert.Equal(TimeSpan.FromDays(1), s.To - s.From);
        Assert.All(s.Buckets, b => Assert.Equal(0, b.Count));
        Assert.Empty(s.Models);
    }

    [Fact]
    public async Task A_reversed_range_is_refused_naming_the_query()
    {
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => store.GetStatisticsAsync(new InteractionStatisticsQuery { From = now, To = now.AddHours(-1) }));
        Assert.Equal("query", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InteractionStatisticsQuery { MaxBuckets = 0 });
    }

    [Fact]
    public async Task A_file_of_the_first_schema_opens_with_its_records_and_their_best_scores()
    {
        string path = _folder.File("v1.db");
        using (var v1 = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v1.Open();
            using Microsoft.Data.Sqlite.SqliteCommand create = v1.CreateCommand();
            create.CommandText =
                "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL;" +
                "CREATE TABLE interactions (id TEXT NOT NULL PRIMARY KEY, ts INTEGER NOT NULL, operation TEXT NOT NULL, tenant_id TEXT, user_id TEXT, model_id TEXT, " +
                "prompt_template TEXT, prompt_template_version TEXT, question TEXT, rewritten_query TEXT, retrieved TEXT NOT NULL, cited TEXT NOT NULL, " +
                "answer TEXT, input_tokens INTEGER, output_tokens INTEGER, ttft_ms REAL, duration_ms REAL NOT NULL, cost TEXT, guardrails TEXT NOT NULL, error TEXT);" +
                "CREATE INDEX interactions_ts ON interactions (ts);" +
                "CREATE TABLE feedback (id INTEGER PRIMARY KEY, interaction_id TEXT NOT NULL REFERENCES interactions (id) ON DELETE CASCADE, ts INTEGER NOT NULL, rating INTEGER, " +
                "labels TEXT NOT NULL, corrected_answer TEXT, relevant TEXT NOT NULL, irrelevant TEXT NOT NULL, comment TEXT, user_id TEXT);" +
                "PRAGMA user_version = 1;" +
                $"INSERT INTO interactions VALUES ('old', {DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()}, 'rag', NULL, NULL, 'm', NULL, NULL, NULL, NULL, " +
                "'[{\"id\":\"a\",\"score\":0.25},{\"id\":\"b\",\"score\":0.75}]', '[\"b\"]', NULL, 5, 6, NULL, 42.0, NULL, '[]', NULL);";
            create.ExecuteNonQuery();
        }

        await using (var store = new SqliteInteractionStore(path))
        {
            InteractionRecord old = (await store.GetAsync("old"))!;
            Assert.Equal(["a", "b"], old.RetrievedChunks.Select(c => c.ChunkId));
            InteractionStatistics s = await store.GetStatisticsAsync(new InteractionStatisticsQuery());
            Assert.Equal(1, s.Count);
            Assert.Equal(0.75, s.MeanTopScore);
            Assert.Equal(["m"], s.Models);
        }

        // Opened again: already migrated, nothing changes.
        await using (var again = new SqliteInteractionStore(path))
        {
            Assert.Equal(0.75, (await again.GetStatisticsAsync(new InteractionStatisticsQuery())).MeanTopScore);
        }
    }

    private static void AssertClose(double exact, TimeSpan? estimate)
    {
        Assert.NotNull(estimate);
        double relative = Math.Abs(estimate.Value.TotalMilliseconds - exact) / exact;
        Assert.True(relative <= 0.025, $"{estimate.Value.TotalMilliseconds} ms is {relative:P2} from the exact {exact} ms.");
    }
}
