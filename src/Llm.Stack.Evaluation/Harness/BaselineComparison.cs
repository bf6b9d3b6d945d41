using System.Globalization;
using System.Net;
using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>
/// A run compared with a baseline run of the same dataset (<see cref="ModelComparisonReport.CompareWith"/>): each metric's
/// mean per model on the items both ran, the metrics gated by a largest allowed drop, and every item that scored lower,
/// with what got worse and why (retrieval missed, answer changed, failed).
/// </summary>
/// <remarks>
/// A model is compared with the baseline model of the same name, an item with the baseline item of the same id; items
/// and models only one run has are left out. Instances are immutable and safe to share across threads.
/// </remarks>
public sealed class BaselineComparison
{
    [System.Text.Json.Serialization.JsonConstructor] // report.json is read back (ModelComparisonReport.LoadJsonAsync).
    private BaselineComparison(IReadOnlyList<MetricChange> metrics, IReadOnlyList<ItemChange> items, IReadOnlyList<string> models)
    {
        Metrics = metrics;
        Items = items;
        Models = models;
    }

    /// <summary>Gets the names of the models both runs have.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>Gets each metric of each model both runs have, gated ones first.</summary>
    public IReadOnlyList<MetricChange> Metrics { get; }

    /// <summary>Gets every item of a model that scored lower on some metric than in the baseline, in dataset order.</summary>
    public IReadOnlyList<ItemChange> Items { get; }

    /// <summary>Gets a value indicating whether a gated metric dropped by more than its largest allowed drop.</summary>
    public bool HasRegression => Metrics.Any(m => m.Regressed);

    /// <summary>Finds the metric that a short name means: its exact name, or the name with case, spaces, hyphens and underscores ignored (<c>rougeL</c> is <c>ROUGE-L</c>, <c>token_f1</c> is <c>Token F1</c>).</summary>
    /// <param name="name">The short name.</param>
    /// <param name="metricNames">The metric names to look in.</param>
    /// <returns>The metric's name; <see langword="null"/> when none matches.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static string? FindMetric(string name, IEnumerable<string> metricNames)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(metricNames);
        string key = Normalize(name);
        return metricNames.FirstOrDefault(m => string.Equals(m, name, StringComparison.Ordinal))
            ?? metricNames.FirstOrDefault(m => Normalize(m) == key);
    }

    internal static BaselineComparison Create(ModelComparisonReport baseline, ModelComparisonReport current, IReadOnlyDictionary<string, double>? maxDrops)
    {
        string[] metricNames = [.. current.MetricNames.Intersect(baseline.MetricNames, StringComparer.Ordinal)];
        var gates = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, double maxDrop) in maxDrops ?? new Dictionary<string, double>())
        {
            if (double.IsNaN(maxDrop) || maxDrop < 0)
            {
                throw new ArgumentException($"The largest drop of '{name}' must be a number of at least 0, but is {maxDrop.ToString(CultureInfo.InvariantCulture)}.", nameof(maxDrops));
            }

            gates[FindMetric(name, metricNames) ?? throw new ArgumentException(
                $"'{name}' is not a metric of both reports; they share: {string.Join(", ", metricNames)}.", nameof(maxDrops))] = maxDrop;
        }

        string[] models = [.. current.Summaries.Select(s => s.Model).Where(m => baseline.Summaries.Any(b => b.Model == m))];
        if (models.Length == 0)
        {
            throw new ArgumentException(
                $"The baseline has no model of this run (baseline: {string.Join(", ", baseline.Summaries.Select(s => s.Model))}; this run: {string.Join(", ", current.Summaries.Select(s => s.Model))}).",
                nameof(baseline));
        }

        var metrics = new List<MetricChange>();
        var items = new List<ItemChange>();
        foreach (string model in models)
        {
            Dictionary<string, ModelRunRecord> before = baseline.Records.Where(r => r.Model == model).ToDictionary(r => r.ItemId, StringComparer.Ordinal);
            ModelRunRecord[] after = [.. current.Records.Where(r => r.Model == model && before.ContainsKey(r.ItemId))];
            foreach (string metric in metricNames)
            {
                if (after.Length == 0 || !after.Any(r => r.Metrics.ContainsKey(metric)) || !after.Any(r => before[r.ItemId].Metrics.ContainsKey(metric)))
                {
                    continue;
                }

                metrics.Add(new MetricChange
                {
                    Model = model,
                    Metric = metric,
                    Baseline = after.Average(r => before[r.ItemId].Metrics.GetValueOrDefault(metric)),
                    Current = after.Average(r => r.Metrics.GetValueOrDefault(metric)),
                    MaxDrop = gates.TryGetValue(metric, out double gate) ? gate : null,
                });
            }

            foreach (ModelRunRecord now in after)
            {
                ModelRunRecord then = before[now.ItemId];
                MetricChange[] drops = [.. metricNames
                    .Where(m => then.Metrics.ContainsKey(m))
                    .Select(m => new MetricChange { Model = model, Metric = m, Baseline = then.Metrics[m], Current = now.Metrics.GetValueOrDefault(m) })
                    .Where(c => c.Drop > 1e-9)
                    .OrderByDescending(c => gates.ContainsKey(c.Metric))
                    .ThenByDescending(c => c.Drop)];
                if (drops.Length == 0 && (now.Succeeded || !then.Succeeded))
                {
                    continue;
                }

                items.Add(new ItemChange
                {
                    Model = model,
                    ItemId = now.ItemId,
                    Cause = !now.Succeeded ? ItemChangeCause.Failed
                        : drops.Any(d => IsRetrievalMetric(d.Metric)) ? ItemChangeCause.RetrievalMissed
                        : !string.Equals(now.Response, then.Response, StringComparison.Ordinal) ? ItemChangeCause.AnswerChanged
                        : ItemChangeCause.ScoreChanged,
                    Drops = drops,
                    BaselineResponse = then.Response,
                    CurrentResponse = now.Response,
                    Error = now.Error,
                });
            }
        }

        return new BaselineComparison([.. metrics.OrderByDescending(m => m.MaxDrop is not null)], items, models);
    }

    /// <summary>Renders the comparison as Markdown: the metrics table (gated ones with their verdict), then the items that got worse.</summary>
    /// <returns>The Markdown text, starting with a level-2 heading.</returns>
    public string ToMarkdown()
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.Append("## Against the baseline\n\n")
            .Append(HasRegression ? "**Regression:** " + string.Join("; ", Metrics.Where(m => m.Regressed).Select(m => $"{m.Model} {m.Metric} dropped {m.Drop.ToString("0.####", inv)} (allowed {m.MaxDrop!.Value.ToString("0.####", inv)})")) : "No gated metric dropped beyond its limit.")
            .Append("\n\n| Model | Metric | Baseline | This run | Change | Max drop | Verdict |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
        foreach (MetricChange m in Metrics)
        {
            b.Append("| ").Append(Cell(m.Model)).Append(" | ").Append(Cell(m.Metric)).Append(" | ").Append(m.Baseline.ToString("F4", inv))
                .Append(" | ").Append(m.Current.ToString("F4", inv)).Append(" | ").Append((-m.Drop).ToString("+0.0000;-0.0000;0", inv))
                .Append(" | ").Append(m.MaxDrop?.ToString("0.####", inv) ?? "").Append(" | ").Append(Verdict(m)).Append(" |\n");
        }

        b.Append('\n').Append(Items.Count.ToString(inv)).Append(Items.Count == 1 ? " item" : " items").Append(" scored lower than in the baseline");
        if (Items.Count == 0)
        {
            return b.Append(".\n").ToString();
        }

        b.Append(":\n\n| Model | Item | Why | What got worse | Baseline answer | This run's answer |\n| --- | --- | --- | --- | --- | --- |\n");
        foreach (ItemChange item in Items)
        {
            b.Append("| ").Append(Cell(item.Model)).Append(" | ").Append(Cell(item.ItemId)).Append(" | ").Append(Describe(item.Cause))
                .Append(" | ").Append(Cell(string.Join(", ", item.Drops.Select(d => $"{d.Metric} {d.Baseline.ToString("0.####", inv)} → {d.Current.ToString("0.####", inv)}"))))
                .Append(" | ").Append(Cell(Clip(item.BaselineResponse, item.CurrentResponse))).Append(" | ").Append(Cell(item.Error is { } error ? "failed: " + error : Clip(item.CurrentResponse, item.BaselineResponse)))
                .Append(" |\n");
        }

        return b.ToString();
    }

    /// <summary>Renders the comparison as an HTML section (no scripts): the metrics table and the items that got worse.</summary>
    /// <returns>The HTML fragment, a <c>section</c> element with the id <c>baseline</c>.</returns>
    public string ToHtml()
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.Append("<section id=\"baseline\">\n<h2>Against the baseline</h2>\n<p class=\"")
            .Append(HasRegression ? "regression\"><strong>Regression:</strong> " + E(string.Join("; ", Metrics.Where(m => m.Regressed).Select(m => $"{m.Model} {m.Metric} dropped {m.Drop.ToString("0.####", inv)} (allowed {m.MaxDrop!.Value.ToString("0.####", inv)})"))) : "pass\">No gated metric dropped beyond its limit.")
            .Append("</p>\n<table id=\"baseline-metrics\">\n<thead><tr><th>Model</th><th>Metric</th><th>Baseline</th><th>This run</th><th>Change</th><th>Max drop</th><th>Verdict</th></tr></thead>\n<tbody>\n");
        foreach (MetricChange m in Metrics)
        {
            b.Append("<tr class=\"").Append(m.Regressed ? "regressed" : m.MaxDrop is null ? "ungated" : "passed").Append("\"><td>").Append(E(m.Model)).Append("</td><td>").Append(E(m.Metric))
                .Append("</td><td>").Append(m.Baseline.ToString("F4", inv)).Append("</td><td>").Append(m.Current.ToString("F4", inv))
                .Append("</td><td>").Append((-m.Drop).ToString("+0.0000;-0.0000;0", inv)).Append("</td><td>").Append(m.MaxDrop?.ToString("0.####", inv) ?? "")
                .Append("</td><td>").Append(Verdict(m)).Append("</td></tr>\n");
        }

        b.Append("</tbody>\n</table>\n<h3>").Append(Items.Count.ToString(inv)).Append(Items.Count == 1 ? " item" : " items").Append(" scored lower than in the baseline</h3>\n");
        if (Items.Count > 0)
        {
            b.Append("<table id=\"baseline-items\">\n<thead><tr><th>Model</th><th>Item</th><th>Why</th><th>What got worse</th><th>Baseline answer</th><th>This run's answer</th></tr></thead>\n<tbody>\n");
            foreach (ItemChange item in Items)
            {
                b.Append("<tr data-item=\"").Append(E(item.ItemId)).Append("\" data-cause=\"").Append(Describe(item.Cause)).Append("\"><td>").Append(E(item.Model)).Append("</td><td>").Append(E(item.ItemId))
                    .Append("</td><td>").Append(Describe(item.Cause)).Append("</td><td>")
                    .Append(E(string.Join(", ", item.Drops.Select(d => $"{d.Metric} {d.Baseline.ToString("0.####", inv)} → {d.Current.ToString("0.####", inv)}"))))
                    .Append("</td><td>").Append(E(Clip(item.BaselineResponse, item.CurrentResponse))).Append("</td><td>").Append(E(item.Error is { } error ? "failed: " + error : Clip(item.CurrentResponse, item.BaselineResponse)))
                    .Append("</td></tr>\n");
            }

            b.Append("</tbody>\n</table>\n");
        }

        return b.Append("</section>\n").ToString();
    }

    private static string Verdict(MetricChange m) => m.MaxDrop is null ? "not gated" : m.Regressed ? "REGRESSED" : "ok";

    private static string Describe(ItemChangeCause cause) => cause switch
    {
        ItemChangeCause.Failed => "failed",
        ItemChangeCause.RetrievalMissed => "retrieval missed",
        ItemChangeCause.AnswerChanged => "answer changed",
        _ => "score changed",
    };

    private static bool IsRetrievalMetric(string metric) =>
        metric.StartsWith("hit@", StringComparison.OrdinalIgnoreCase) || metric.StartsWith("MRR", StringComparison.OrdinalIgnoreCase)
        || metric.StartsWith("recall@", StringComparison.OrdinalIgnoreCase) || metric.StartsWith("nDCG", StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string name) =>
        string.Concat(name.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToUpperInvariant));

    /// <summary>
    /// Up to 120 characters of an answer; when it shares a long opening with the other answer (a fixed preamble such as
    /// the extractive answer's label), the excerpt starts a little before the first difference, so the cell shows what changed.
    /// </summary>
    private static string Clip(string? text, string? other)
    {
        if (text is null)
        {
            return "";
        }

        int common = other is null ? 0 : text.AsSpan().CommonPrefixLength(other);
        int start = common > 60 ? common - 30 : 0;
        string lead = start > 0 ? "..." : "";
        return text.Length - start <= 120 ? lead + text[start..] : string.Concat(lead, text.AsSpan(start, 117), "...");
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
