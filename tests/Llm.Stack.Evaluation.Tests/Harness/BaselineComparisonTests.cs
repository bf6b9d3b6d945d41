namespace Llm.Stack.Evaluation.Tests.Harness;

public sealed class BaselineComparisonTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmstack-baseline-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ModelRunRecord Run(string item, string? response, double rouge, double? hit = null, string? error = null)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (error is null)
        {
            metrics["ROUGE-L"] = rouge;
            if (hit is { } h)
            {
                metrics["hit@3"] = h;
            }
        }

        return new ModelRunRecord { Model = "m", ItemId = item, Response = response, Error = error, Attempts = 1, Metrics = metrics, TotalLatencyMs = 10 };
    }

    [Fact]
    public async Task A_report_read_back_from_its_json_compares_item_by_item_and_says_why_each_got_worse()
    {
        ModelComparisonReport before = ModelComparisonReport.Create(
            [Run("same", "A.", 0.9, 1), Run("retrieval", "B.", 0.8, 1), Run("answer", "C.", 0.7, 1), Run("refs", "D.", 0.6, 1), Run("fails", "E.", 0.5, 1), Run("gone", "F.", 1, 1)],
            ["m"]);
        await before.WriteAsync(_folder);
        ModelComparisonReport baseline = await ModelComparisonReport.LoadJsonAsync(Path.Combine(_folder, "report.json"));
        Assert.Equal(before.Records.Count, baseline.Records.Count);
        Assert.All(before.Records.Zip(baseline.Records), p => Assert.True(p.First.ItemId == p.Second.ItemId && p.First.Response == p.Second.Response && p.First.Metrics.SequenceEqual(p.Second.Metrics)));

        ModelComparisonReport now = ModelComparisonReport.Create(
            [Run("same", "A.", 0.9, 1), Run("retrieval", "X.", 0.1, 0), Run("answer", "Y.", 0.2, 1), Run("refs", "D.", 0.3, 1), Run("fails", null, 0, error: "TimeoutException"), Run("new", "G.", 0, 0)],
            ["m"]).CompareWith(baseline, new Dictionary<string, double> { ["rougeL"] = 0.5, ["hit@3"] = 0.1 });

        BaselineComparison comparison = now.Baseline!;
        Assert.Equal(["retrieval", "answer", "refs", "fails"], comparison.Items.Select(i => i.ItemId));
        Assert.Equal(
            [ItemChangeCause.RetrievalMissed, ItemChangeCause.AnswerChanged, ItemChangeCause.ScoreChanged, ItemChangeCause.Failed],
            comparison.Items.Select(i => i.Cause));
        Assert.Equal("TimeoutException", comparison.Items[3].Error);

        // Means over the five items both runs have ("gone" and "new" are left out; a failed call scores 0): ROUGE-L 0.7 -> 0.3, hit@3 1 -> 0.6.
        MetricChange rouge = Assert.Single(comparison.Metrics, m => m.Metric == "ROUGE-L");
        Assert.Equal((0.7, 0.3, 0.5, false), (Math.Round(rouge.Baseline, 6), Math.Round(rouge.Current, 6), rouge.MaxDrop!.Value, rouge.Regressed));
        MetricChange hit = Assert.Single(comparison.Metrics, m => m.Metric == "hit@3");
        Assert.Equal((1.0, 0.6, true), (hit.Baseline, Math.Round(hit.Current, 6), hit.Regressed));
        Assert.True(comparison.HasRegression);

        Assert.Contains("| m | hit@3 | 1.0000 | 0.6000 | -0.4000 | 0.1 | REGRESSED |", now.ToMarkdown(), StringComparison.Ordinal);
        Assert.Contains("<tr data-item=\"answer\" data-cause=\"answer changed\">", now.ToHtml(), StringComparison.Ordinal);
        Assert.Contains("\"baseline\":", now.ToJson(), StringComparison.Ordinal);

        // Read back, the run keeps its comparison with its baseline: every metric, verdict, item and cause.
        await now.WriteAsync(Path.Combine(_folder, "now"));
        ModelComparisonReport read = await ModelComparisonReport.LoadJsonAsync(Path.Combine(_folder, "now", "report.json"));
        Assert.Equal(now.ToJson(), read.ToJson());
        Assert.True(read.Baseline!.HasRegression);
        Assert.Equal(comparison.Items.Select(i => (i.ItemId, i.Cause, i.Drops.Count)), read.Baseline.Items.Select(i => (i.ItemId, i.Cause, i.Drops.Count)));
        Assert.Equal(now.ToMarkdown(), read.ToMarkdown());
    }

    [Fact]
    public void Short_metric_names_are_found_and_unknown_or_negative_gates_are_refused_naming_the_argument()
    {
        string[] names = ["BLEU", "ROUGE-L", "ROUGE-Lsum", "Token F1", "hit@3"];
        Assert.Equal("ROUGE-L", BaselineComparison.FindMetric("rougeL", names));
        Assert.Equal("ROUGE-Lsum", BaselineComparison.FindMetric("rouge_lsum", names));
        Assert.Equal("Token F1", BaselineComparison.FindMetric("tokenF1", names));
        Assert.Null(BaselineComparison.FindMetric("meteor", names));

        ModelComparisonReport report = ModelComparisonReport.Create([Run("a", "A.", 0.5, 1)], ["m"]);
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => report.CompareWith(report, new Dictionary<string, double> { ["meteor"] = 0.1 }));
        Assert.Equal("maxDrops", unknown.ParamName);
        Assert.Contains("ROUGE-L", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("maxDrops", Assert.Throws<ArgumentException>(() => report.CompareWith(report, new Dictionary<string, double> { ["rougeL"] = -1 })).ParamName);
        Assert.Equal("baseline", Assert.Throws<ArgumentException>(() => report.CompareWith(ModelComparisonReport.Create([Run("a", "A.", 0.5) with { Model = "other" }], ["other"]))).ParamName);
    }

    [Fact]
    public async Task A_file_that_is_not_a_report_is_refused_with_its_path()
    {
        string path = Path.Combine(_folder, "other.json");
        await File.WriteAllTextAsync(path, """{"name": "not a report"}""");
        FormatException e = await Assert.ThrowsAsync<FormatException>(() => ModelComparisonReport.LoadJsonAsync(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dataset_items_name_the_documents_that_hold_their_answer_and_bad_names_are_refused_with_the_line()
    {
        IReadOnlyList<EvaluationDatasetItem> items = await EvaluationDataset.ReadJsonlAsync(new StringReader(
            """
            {"id":"a","prompt":"Q1","reference":"R1","document":"iceland"}
            {"id":"b","prompt":"Q2","reference":"R2","documents":["docs/peru.md","kenya"]}
            {"id":"c","prompt":"Q3","reference":"R3"}
            """));
        Assert.Equal(["iceland"], items[0].RelevantDocuments);
        Assert.Equal(["docs/peru.md", "kenya"], items[1].RelevantDocuments);
        Assert.Empty(items[2].RelevantDocuments);

        FormatException notAString = await Assert.ThrowsAsync<FormatException>(() => EvaluationDataset.ReadJsonlAsync(new StringReader(
            "{\"prompt\":\"Q\",\"reference\":\"R\"}\n{\"prompt\":\"Q\",\"reference\":\"R\",\"document\":3}")));
        Assert.Contains("Line 2: 'document' must be a non-empty string", notAString.Message, StringComparison.Ordinal);
        FormatException blank = await Assert.ThrowsAsync<FormatException>(() => EvaluationDataset.ReadJsonlAsync(new StringReader(
            "{\"prompt\":\"Q\",\"reference\":\"R\",\"documents\":[\"a\",\" \"]}")));
        Assert.Contains("Line 1: 'documents' must be an array of non-empty strings", blank.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Answers_that_open_with_the_same_preamble_are_shown_from_where_they_differ()
    {
        string preamble = "Extractive answer (no chat model is configured; the most relevant sentences are quoted from the sources): ";
        ModelComparisonReport before = ModelComparisonReport.Create([Run("q", preamble + "Eyjafjallajokull erupted in 2010 [1].", 0.9)], ["m"]);
        ModelComparisonReport now = ModelComparisonReport.Create([Run("q", preamble + "Ubinas erupted in 2009 [1].", 0.2)], ["m"]).CompareWith(before);

        string row = Assert.Single(now.ToMarkdown().Split('\n'), l => l.StartsWith("| m | q |", StringComparison.Ordinal));
        Assert.Contains("Eyjafjallajokull erupted in 2010 [1]. |", row, StringComparison.Ordinal);
        Assert.Contains("Ubinas erupted in 2009 [1]. |", row, StringComparison.Ordinal);
        Assert.Contains("| answer changed |", row, StringComparison.Ordinal);
    }
}
