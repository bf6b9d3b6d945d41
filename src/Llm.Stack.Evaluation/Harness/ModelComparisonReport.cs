using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Llm.Stack.Evaluation;

/// <summary>The result of a model comparison: every record, the per-model summaries in rank order, and the renderings.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class ModelComparisonReport
{
    private ModelComparisonReport(IReadOnlyList<ModelRunRecord> records, IReadOnlyList<ModelSummary> summaries, IReadOnlyList<string> metricNames, BaselineComparison? baseline = null, IReadOnlyList<BiasReport>? bias = null)
    {
        Records = records;
        Summaries = summaries;
        MetricNames = metricNames;
        Baseline = baseline;
        Bias = bias ?? [];
    }

    /// <summary>Gets every (model, item) record, grouped by model in the order the models were given.</summary>
    public IReadOnlyList<ModelRunRecord> Records { get; }

    /// <summary>Gets the per-model summaries, best rank first.</summary>
    public IReadOnlyList<ModelSummary> Summaries { get; }

    /// <summary>Gets the names of the quality metrics, in the order they first appeared.</summary>
    public IReadOnlyList<string> MetricNames { get; }

    /// <summary>Gets the comparison with a baseline run (<see cref="CompareWith"/>), which the renderings include; <see langword="null"/> for none.</summary>
    public BaselineComparison? Baseline { get; }

    /// <summary>
    /// Gets the counterfactual bias probes' results, one per model in the order the models were given
    /// (<see cref="ModelComparisonOptions.BiasProbes"/>; <see cref="BiasReport.ModelId"/> is the model's name here), which
    /// the renderings include; empty when no probes ran.
    /// </summary>
    public IReadOnlyList<BiasReport> Bias { get; }

    /// <summary>
    /// Compares this run with a baseline run of the same dataset (a report read with <see cref="LoadJsonAsync"/>): each
    /// metric's mean per model over the items both ran, the gated metrics' verdicts, and every item that scored lower
    /// with why (<see cref="ItemChangeCause"/>).
    /// </summary>
    /// <param name="baseline">The baseline report.</param>
    /// <param name="maxDrops">
    /// The largest drop of the mean allowed per metric, in the metric's own units (ROUGE and hit rates from 0 to 1,
    /// BLEU from 0 to 100), keyed by the metric's name or a short form of it (<c>rougeL</c>, <c>hit@3</c>; see
    /// <see cref="BaselineComparison.FindMetric"/>); <see langword="null"/> or empty to gate nothing.
    /// </param>
    /// <returns>A report with the same results and <see cref="Baseline"/> set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="baseline"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A key of <paramref name="maxDrops"/> is not a metric of both reports or its value is negative
    /// (<c>maxDrops</c>), or the baseline has no model of this run (<c>baseline</c>).
    /// </exception>
    public ModelComparisonReport CompareWith(ModelComparisonReport baseline, IReadOnlyDictionary<string, double>? maxDrops = null)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return new ModelComparisonReport(Records, Summaries, MetricNames, BaselineComparison.Create(baseline, this, maxDrops), Bias);
    }

    /// <summary>Returns this report with the given bias probes' results (<see cref="Bias"/>) in place of its own, for example after rebuilding a report with <see cref="Create"/>.</summary>
    /// <param name="bias">The results, one per model.</param>
    /// <returns>A report with the same results and comparison, and <see cref="Bias"/> set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bias"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="bias"/> holds <see langword="null"/>.</exception>
    public ModelComparisonReport WithBias(IReadOnlyList<BiasReport> bias)
    {
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Any(b => b is null))
        {
            throw new ArgumentException("The bias results hold null.", nameof(bias));
        }

        return new(Records, Summaries, MetricNames, Baseline, [.. bias]);
    }

    /// <summary>Reads a report written by <see cref="WriteAsync"/> (its <c>report.json</c>), such as a baseline for <see cref="CompareWith"/>.</summary>
    /// <param name="path">The <c>report.json</c> file.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The report, with its comparison with its own baseline (<see cref="Baseline"/>) and its bias probes' results when it has them.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FormatException">The file is not a report: not JSON, or without its summaries and records.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<ModelComparisonReport> LoadJsonAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ReportDocument? document;
        try
        {
            await using FileStream file = File.OpenRead(path);
            document = await JsonSerializer.DeserializeAsync<ReportDocument>(file, ReportJson.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new FormatException($"'{path}' is not a report.json of llmstack eval: {e.Message}", e);
        }

        if (document is not { MetricNames: { } metricNames, Summaries: { } summaries, Records: { } records })
        {
            throw new FormatException($"'{path}' is not a report.json of llmstack eval: it has no metricNames, summaries and records.");
        }

        return new ModelComparisonReport(records, summaries, metricNames, document.Baseline, document.Bias);
    }

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
                // A metric none of the model's records has (retrieval metrics of a model without retrieval) is left out.
                MeanMetrics = metricNames.Where(m => own.Any(r => r.Metrics.ContainsKey(m))).ToDictionary(
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
            criteria.Add((metric, w, s => s.MeanMetrics.TryGetValue(metric, out double mean) ? mean : null, false));
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

    /// <summary>Renders the summary as a Markdown table (one row per model, in rank order), then the comparison with the baseline when there is one, then the bias probes' results when they ran.</summary>
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
            cells.AddRange(MetricNames.Select(m => s.MeanMetrics.TryGetValue(m, out double mean) ? mean.ToString("F4", inv) : "n/a"));
            cells.AddRange(
            [
                s.MeanTimeToFirstTokenMs.ToString("F1", inv), s.MeanLatencyMs.ToString("F1", inv), s.P95LatencyMs.ToString("F1", inv),
                s.InputTokens.ToString(inv), s.OutputTokens.ToString(inv), s.TotalCost?.ToString("0.######", inv) ?? "n/a",
                s.Failures.ToString(inv),
            ]);
            b.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }

        if (Baseline is not null)
        {
            b.Append('\n').Append(Baseline.ToMarkdown());
        }

        foreach (var bias in Bias)
        {
            b.Append('\n').Append(bias.ToMarkdown());
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

    /// <summary>Renders the summaries and records (and the comparison with the baseline and the bias probes' results, when there are) as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() =>
        JsonSerializer.Serialize(new { metricNames = MetricNames, summaries = Summaries, records = Records, baseline = Baseline, bias = Bias.Count == 0 ? null : Bias }, ReportJson.Indented);

    /// <summary>
    /// Renders a self-contained HTML page (inline CSS and SVG, no scripts, no external resources): the ranked summary
    /// table, a quality-vs-latency chart whose point areas show cost, one per-metric distribution chart, the
    /// comparison with the baseline when there is one, and the bias probes' results when they ran.
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

    /// <summary>The shape of <c>report.json</c>, as read back.</summary>
    private sealed record ReportDocument(
        IReadOnlyList<string>? MetricNames, IReadOnlyList<ModelSummary>? Summaries, IReadOnlyList<ModelRunRecord>? Records, BaselineComparison? Baseline, IReadOnlyList<BiasReport>? Bias);
}
