using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Llm.Stack.Evaluation;

/// <summary>The result of a model comparison: every record, the per-model summaries in rank order, and the renderings.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class ModelComparisonReport
{
    private ModelComparisonReport(IReadOnlyList<ModelRunRecord> records, IReadOnlyList<ModelSummary> summaries, IReadOnlyList<string> metricNames)
    {
        Records = records;
        Summaries = summaries;
        MetricNames = metricNames;
    }

    /// <summary>Gets every (model, item) record, grouped by model in the order the models were given.</summary>
    public IReadOnlyList<ModelRunRecord> Records { get; }

    /// <summary>Gets the per-model summaries, best rank first.</summary>
    public IReadOnlyList<ModelSummary> Summaries { get; }

    /// <summary>Gets the names of the quality metrics, in the order they first appeared.</summary>
    public IReadOnlyList<string> MetricNames { get; }

    /// <summary>Builds a report from records: aggregates per model and ranks by the weighted, min-max normalized metrics.</summary>
    /// <param name="records">The records.</param>
    /// <param name="models">The model names, in the order to report ties.</param>
    /// <param name="weights">The weights (see <see cref="ModelComparisonOptions.Weights"/>); <see langword="null"/> or empty for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="records"/> or <paramref name="models"/> is <see langword="null"/>.</exception>
    public static ModelComparisonReport Create(IReadOnlyList<ModelRunRecord> records, IReadOnlyList<string> models, IDictionary<string, double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(models);
        var metricNames = records.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).ToArray();
        var summaries = new List<ModelSummary>();
        foreach (var model in models)
        {
            var own = records.Where(r => r.Model == model).ToArray();
            var ok = own.Where(r => r.Succeeded).ToArray();
            var latencies = ok.Select(r => r.TotalLatencyMs ?? 0).Order().ToArray();
            summaries.Add(new ModelSummary
            {
                Model = model,
                Items = own.Length,
                Failures = own.Length - ok.Length,
                MeanMetrics = metricNames.ToDictionary(
                    m => m,
                    m => own.Length == 0 ? 0.0 : own.Sum(r => r.Metrics.GetValueOrDefault(m)) / own.Length,
                    StringComparer.Ordinal),
                MeanTimeToFirstTokenMs = ok.Length == 0 ? 0 : ok.Average(r => r.TimeToFirstTokenMs ?? 0),
                MeanLatencyMs = latencies.Length == 0 ? 0 : latencies.Average(),
                P95LatencyMs = latencies.Length == 0 ? 0 : Bootstrap.Percentile(latencies, 95),
                InputTokens = own.Sum(r => r.InputTokens ?? 0),
                OutputTokens = own.Sum(r => r.OutputTokens ?? 0),
                TotalCost = own.Length > 0 && own.All(r => r.Cost is not null || !r.Succeeded) && own.Any(r => r.Cost is not null)
                    ? own.Sum(r => r.Cost ?? 0m)
                    : null,
            });
        }

        // Weighted ranking over min-max normalized criteria.
        var criteria = new List<(string Name, double Weight, Func<ModelSummary, double?> Value, bool LowerIsBetter)>();
        foreach (var metric in metricNames)
        {
            var w = weights is not null && weights.TryGetValue(metric, out var given) ? given : (weights is { Count: > 0 } ? 0 : 1);
            criteria.Add((metric, w, s => s.MeanMetrics[metric], false));
        }

        criteria.Add((ModelComparisonOptions.LatencyWeightName, WeightOf(weights, ModelComparisonOptions.LatencyWeightName), s => s.MeanLatencyMs, true));
        criteria.Add((ModelComparisonOptions.CostWeightName, WeightOf(weights, ModelComparisonOptions.CostWeightName), s => (double?)s.TotalCost, true));

        var scores = new double[summaries.Count];
        var totalWeight = 0.0;
        foreach (var (_, weight, value, lowerIsBetter) in criteria)
        {
            if (weight == 0)
            {
                continue;
            }

            var values = summaries.Select(value).ToArray();
            var known = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
            if (known.Length == 0)
            {
                continue;
            }

            totalWeight += Math.Abs(weight);
            var min = known.Min();
            var max = known.Max();
            for (var i = 0; i < summaries.Count; i++)
            {
                double normalized;
                if (values[i] is not { } v)
                {
                    normalized = 0;
                }
                else if (max == min)
                {
                    normalized = 1;
                }
                else
                {
                    normalized = lowerIsBetter ? (max - v) / (max - min) : (v - min) / (max - min);
                }

                scores[i] += weight * normalized;
            }
        }

        var ranked = summaries
            .Select((s, i) => s with { WeightedScore = totalWeight == 0 ? 0 : scores[i] / totalWeight })
            .OrderByDescending(s => s.WeightedScore)
            .Select((s, i) => s with { Rank = i + 1 })
            .ToArray();
        return new ModelComparisonReport(records, ranked, metricNames);
    }

    /// <summary>Renders the summary as a Markdown table (one row per model, in rank order).</summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        var headers = new List<string> { "Rank", "Model", "Score" };
        headers.AddRange(MetricNames);
        headers.AddRange(["TTFT ms", "Latency ms", "p95 ms", "Input tokens", "Output tokens", "Cost", "Failures"]);
        b.Append("| ").AppendJoin(" | ", headers.Select(EscapeMarkdown)).Append(" |\n");
        b.Append('|').AppendJoin('|', headers.Select((_, i) => i <= 1 ? " --- " : " ---: ")).Append("|\n");
        foreach (var s in Summaries)
        {
            var cells = new List<string> { s.Rank.ToString(inv), EscapeMarkdown(s.Model), s.WeightedScore.ToString("F3", inv) };
            cells.AddRange(MetricNames.Select(m => s.MeanMetrics[m].ToString("F4", inv)));
            cells.AddRange(
            [
                s.MeanTimeToFirstTokenMs.ToString("F1", inv), s.MeanLatencyMs.ToString("F1", inv), s.P95LatencyMs.ToString("F1", inv),
                s.InputTokens.ToString(inv), s.OutputTokens.ToString(inv), s.TotalCost?.ToString("0.######", inv) ?? "n/a",
                s.Failures.ToString(inv),
            ]);
            b.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }

        return b.ToString();
    }

    /// <summary>Renders every record as CSV (RFC 4180), one row per model and item, with one column per metric.</summary>
    /// <returns>The CSV text.</returns>
    public string ToCsv()
    {
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        var headers = new List<string> { "model", "item_id" };
        headers.AddRange(MetricNames);
        headers.AddRange(["ttft_ms", "latency_ms", "input_tokens", "output_tokens", "cost", "attempts", "error", "response"]);
        b.AppendJoin(',', headers.Select(Csv)).Append("\r\n");
        foreach (var r in Records)
        {
            var cells = new List<string> { r.Model, r.ItemId };
            cells.AddRange(MetricNames.Select(m => r.Metrics.TryGetValue(m, out var v) ? v.ToString("R", inv) : string.Empty));
            cells.AddRange(
            [
                r.TimeToFirstTokenMs?.ToString("R", inv) ?? string.Empty, r.TotalLatencyMs?.ToString("R", inv) ?? string.Empty,
                r.InputTokens?.ToString(inv) ?? string.Empty, r.OutputTokens?.ToString(inv) ?? string.Empty,
                r.Cost?.ToString(inv) ?? string.Empty, r.Attempts.ToString(inv), r.Error ?? string.Empty, r.Response ?? string.Empty,
            ]);
            b.AppendJoin(',', cells.Select(Csv)).Append("\r\n");
        }

        return b.ToString();
    }

    /// <summary>Renders the summaries and records as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() =>
        JsonSerializer.Serialize(new { metricNames = MetricNames, summaries = Summaries, records = Records }, ReportJson.Indented);

    /// <summary>
    /// Renders a self-contained HTML page (inline CSS and SVG, no scripts, no external resources): the ranked summary
    /// table, a quality-vs-latency chart whose point areas show cost, and one per-metric distribution chart.
    /// </summary>
    /// <returns>The HTML text.</returns>
    public string ToHtml() => HtmlReport.Render(this);

    /// <summary>Writes <c>report.md</c>, <c>report.csv</c>, <c>report.json</c> and <c>report.html</c> to a directory.</summary>
    /// <param name="directory">The directory; created when missing.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the files are written.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), ToMarkdown(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.csv"), ToCsv(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.json"), ToJson(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.html"), ToHtml(), cancellationToken).ConfigureAwait(false);
    }

    private static double WeightOf(IDictionary<string, double>? weights, string name) =>
        weights is not null && weights.TryGetValue(name, out var weight) ? weight : 0;

    private static string EscapeMarkdown(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
