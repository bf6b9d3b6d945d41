namespace Llm.Stack.Monitoring.Tests;

public sealed class SqliteInteractionStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_record_round_trips_every_field_through_the_file()
    {
        var record = new InteractionRecord
        {
            Id = InteractionLog.NewId(),
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            Operation = "rag",
            TenantId = "acme",
            UserId = "u-7",
            ModelId = "gpt-x",
            PromptTemplate = "support",
            PromptTemplateVersion = "3",
            Question = "Which volcano erupted in 2010? \"quoted\" ünïcode",
            RewrittenQuery = "volcano eruption 2010 Iceland",
            RetrievedChunks = [new("a.md#0", 0.91), new("b.md#3", 0.5)],
            CitedChunkIds = ["a.md#0"],
            Answer = "Eyjafjallajökull [1].",
            InputTokens = 120,
            OutputTokens = 9,
            TimeToFirstToken = TimeSpan.FromMilliseconds(12.5),
            Duration = TimeSpan.FromMilliseconds(80.25),
            Cost = 0.00042m,
            GuardrailDecisions = ["redacted:pii:input"],
            Error = null,
        };

        string path = _folder.File("log.db");
        using (var store = new SqliteInteractionStore(path))
        {
            await store.WriteAsync([record]);
        }

        using var reopened = new SqliteInteractionStore(path);
        InteractionRecord? read = await reopened.GetAsync(record.Id);
        Assert.NotNull(read);
        Assert.Equal(record.Id, read.Id);
        Assert.Equal(record.Timestamp, read.Timestamp);
        Assert.Equal(("rag", "acme", "u-7", "gpt-x", "support", "3"), (read.Operation, read.TenantId, read.UserId, read.ModelId, read.PromptTemplate, read.PromptTemplateVersion));
        Assert.Equal(record.Question, read.Question);
        Assert.Equal(record.RewrittenQuery, read.RewrittenQuery);
        Assert.Equal(record.RetrievedChunks, read.RetrievedChunks);
        Assert.Equal(record.CitedChunkIds, read.CitedChunkIds);
        Assert.Equal(record.Answer, read.Answer);
        Assert.Equal((120L, 9L), (read.InputTokens!.Value, read.OutputTokens!.Value));
        Assert.Equal(record.TimeToFirstToken, read.TimeToFirstToken);
        Assert.Equal(record.Duration, read.Duration);
        Assert.Equal(0.00042m, read.Cost);
        Assert.Equal(record.GuardrailDecisions, read.GuardrailDecisions);
        Assert.Null(read.Error);
        Assert.Null(await reopened.GetAsync(InteractionLog.NewId()));
    }

    [Fact]
    public async Task Feedback_is_added_to_a_stored_interaction_only_and_survives_a_rewrite_of_the_record()
    {
        using var store = new SqliteInteractionStore(_folder.File("log.db"));
        var record = new InteractionRecord { Id = InteractionLog.NewId(), Timestamp = DateTimeOffset.UtcNow, Duration = TimeSpan.FromMilliseconds(3) };
        await store.WriteAsync([record]);

        var feedback = new InteractionFeedback
        {
            Rating = 2,
            Labels = ["incomplete", "outdated"],
            CorrectedAnswer = "It was Eyjafjallajökull.",
            RelevantChunkIds = ["a.md#0"],
            IrrelevantChunkIds = ["b.md#3"],
            Comment = "missed the name",
            UserId = "reviewer",
        };
        Assert.True(await store.AddFeedbackAsync(record.Id, feedback));
        Assert.False(await store.AddFeedbackAsync("no-such-id", feedback));

        record.Answer = "changed";
        await store.WriteAsync([record]);

        InteractionFeedback read = Assert.Single(await store.GetFeedbackAsync(record.Id));
        Assert.Equal(2, read.Rating);
        Assert.Equal(["incomplete", "outdated"], read.Labels);
        Assert.Equal("It was Eyjafjallajökull.", read.CorrectedAnswer);
        Assert.Equal(["a.md#0"], read.RelevantChunkIds);
        Assert.Equal(["b.md#3"], read.IrrelevantChunkIds);
        Assert.Equal(("missed the name", "reviewer"), (read.Comment, read.UserId));
        Assert.True(DateTimeOffset.UtcNow - read.Timestamp < TimeSpan.FromMinutes(1));
        Assert.Equal("changed", (await store.GetAsync(record.Id))!.Answer);
        Assert.Empty(await store.GetFeedbackAsync("no-such-id"));
    }

    [Fact]
    public async Task Retention_by_age_deletes_old_interactions_with_their_feedback_and_keeps_recent_ones()
    {
        using var store = new SqliteInteractionStore(_folder.File("log.db"), maxAge: TimeSpan.FromDays(7));
        var old = new InteractionRecord { Id = "old", Timestamp = DateTimeOffset.UtcNow.AddDays(-8) };
        var recent = new InteractionRecord { Id = "recent", Timestamp = DateTimeOffset.UtcNow.AddDays(-6) };
        await store.WriteAsync([old, recent]);
        Assert.True(await store.AddFeedbackAsync("old", new InteractionFeedback { Rating = 5 }));

        Assert.Equal(1, await store.ApplyRetentionAsync());

        Assert.Null(await store.GetAsync("old"));
        Assert.Empty(await store.GetFeedbackAsync("old"));
        Assert.NotNull(await store.GetAsync("recent"));
        Assert.False(await store.AddFeedbackAsync("old", new InteractionFeedback { Rating = 1 }));
    }

    [Fact]
    public async Task Retention_by_size_keeps_the_newest_interactions_under_the_limit_and_shrinks_the_file()
    {
        const long limit = 512 * 1024;
        string path = _folder.File("log.db");
        using var store = new SqliteInteractionStore(path, maxSizeBytes: limit);
        string answer = new('x', 1000);
        DateTimeOffset start = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (int batch = 0; batch < 10; batch++)
        {
            // 10 x 600 records of about 1.1 KB: 6.6 MB in all, 13 times the limit.
            await store.WriteAsync([.. Enumerable.Range(batch * 600, 600).Select(i => new InteractionRecord { Id = $"r{i:D5}", Timestamp = start.AddMilliseconds(i), Answer = answer })]);
        }

        await store.ApplyRetentionAsync();

        Assert.InRange(await store.GetDataSizeAsync(), 1, limit);
        Assert.InRange(new FileInfo(path).Length, 1, 2 * limit);
        IReadOnlyList<InteractionRecord> recent = await store.GetRecentAsync(10_000);
        Assert.InRange(recent.Count, 100, 500);
        Assert.Equal("r05999", recent[0].Id);
        Assert.Equal(Enumerable.Range(6000 - recent.Count, recent.Count).Reverse().Select(i => $"r{i:D5}"), recent.Select(r => r.Id));
    }

    [Fact]
    public void A_file_that_is_not_an_interaction_store_is_refused_with_its_path_and_left_as_it_was()
    {
        string path = _folder.File("notes.db");
        string text = string.Concat(Enumerable.Repeat("These are my notes, not a database. ", 200));
        File.WriteAllText(path, text);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => new SqliteInteractionStore(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Fact]
    public void Bad_arguments_name_the_argument()
    {
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => new SqliteInteractionStore(" ")).ParamName);
        Assert.Equal("maxAge", Assert.ThrowsAny<ArgumentException>(() => new SqliteInteractionStore(_folder.File("a.db"), maxAge: TimeSpan.Zero)).ParamName);
        Assert.Equal("maxSizeBytes", Assert.ThrowsAny<ArgumentException>(() => new SqliteInteractionStore(_folder.File("a.db"), maxSizeBytes: 1000)).ParamName);
    }
}
