namespace Llm.Stack.Monitoring.Tests;

/// <summary>What <c>llmstack label</c> and <c>llmstack export</c> read: pages of interactions filtered by their feedback, and the verdict a person's feedback gives.</summary>
public sealed class LabellingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static InteractionRecord Record(int minute) => new()
    {
        Id = "i" + minute.ToString("00", System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 + (minute * 60)),
        Question = "Q" + minute,
        Answer = "A" + minute,
        RetrievedChunks = [new("doc.md#0", 0.9)],
    };

    [Fact]
    public async Task A_query_pages_newest_first_and_filters_by_feedback_and_low_ratings()
    {
        await using var store = new SqliteInteractionStore(_folder.File("log.db"));
        await store.WriteAsync([.. Enumerable.Range(0, 10).Select(Record)]);
        Assert.True(await store.AddFeedbackAsync("i02", new InteractionFeedback { Rating = 1 }));
        Assert.True(await store.AddFeedbackAsync("i05", new InteractionFeedback { Rating = 4 }));
        Assert.True(await store.AddFeedbackAsync("i05", new InteractionFeedback { Rating = 2 }));
        Assert.True(await store.AddFeedbackAsync("i07", new InteractionFeedback { Labels = ["correct"] }));

        static string[] Ids(IReadOnlyList<InteractionRecord> records) => [.. records.Select(r => r.Id)];
        Assert.Equal(["i09", "i08", "i07"], Ids(await store.QueryAsync(new InteractionQuery { Count = 3 })));
        Assert.Equal(["i06", "i05", "i04"], Ids(await store.QueryAsync(new InteractionQuery { Count = 3, Skip = 3 })));
        Assert.Equal(["i07", "i05", "i02"], Ids(await store.QueryAsync(new InteractionQuery { HasFeedback = true })));
        Assert.Equal(7, (await store.QueryAsync(new InteractionQuery { HasFeedback = false })).Count);
        Assert.Equal(["i05", "i02"], Ids(await store.QueryAsync(new InteractionQuery { MaxRating = 2 })));
        Assert.Equal(["i02"], Ids(await store.QueryAsync(new InteractionQuery { MaxRating = 1 })));
        Assert.Equal(["i02"], Ids(await store.QueryAsync(new InteractionQuery { MaxRating = 2, Skip = 1 })));
    }

    [Fact]
    public void Out_of_range_query_settings_are_refused_naming_the_value()
    {
        var query = new InteractionQuery();
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => query.Count = 0).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => query.Count = InteractionQuery.MaxCount + 1).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => query.Skip = -1).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => query.MaxRating = 6).ParamName);
        Assert.Equal((50, 0, null, null), (query.Count, query.Skip, query.HasFeedback, query.MaxRating));
    }

    [Fact]
    public void The_latest_feedback_with_a_verdict_labels_the_interaction()
    {
        InteractionRecord record = Record(1);
        Assert.Null(LabelledInteraction.FromFeedback(record, []));
        Assert.Null(LabelledInteraction.FromFeedback(record, [new InteractionFeedback { Rating = 3, Comment = "meh" }]));

        LabelledInteraction right = LabelledInteraction.FromFeedback(record, [new InteractionFeedback { Labels = [InteractionLabels.Correct], RelevantChunkIds = ["doc.md#0"] }])!;
        Assert.True(right.IsCorrect);
        Assert.Equal("A1", right.Reference);
        Assert.Equal(["doc.md#0"], right.RelevantChunkIds);

        // A later "wrong" with a better answer overrides an earlier thumbs-up; a later comment without a verdict does not.
        LabelledInteraction corrected = LabelledInteraction.FromFeedback(record,
        [
            new InteractionFeedback { Rating = 5 },
            new InteractionFeedback { Labels = [InteractionLabels.Incorrect], CorrectedAnswer = "Better.", IrrelevantChunkIds = ["doc.md#0"] },
            new InteractionFeedback { Comment = "see above" },
        ])!;
        Assert.False(corrected.IsCorrect);
        Assert.Equal("Better.", corrected.Reference);
        Assert.Equal(["doc.md#0"], corrected.IrrelevantChunkIds);

        LabelledInteraction wrong = LabelledInteraction.FromFeedback(record, [new InteractionFeedback { Rating = 1 }])!;
        Assert.False(wrong.IsCorrect);
        Assert.Null(wrong.Reference);
        Assert.True(LabelledInteraction.FromFeedback(record, [new InteractionFeedback { Rating = 4 }])!.IsCorrect);
        Assert.False(LabelledInteraction.FromFeedback(record, [new InteractionFeedback { CorrectedAnswer = "B" }])!.IsCorrect);
    }
}
