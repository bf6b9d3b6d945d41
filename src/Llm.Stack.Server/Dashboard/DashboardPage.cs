using System.Globalization;
using System.Net;
using System.Text;

namespace Llm.Stack.Server;

/// <summary>
/// Renders the dashboard as one self-contained HTML page: the filters, the headline numbers (each element carries its
/// exact value in <c>data-value</c>), and the charts.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class DashboardPage
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(InteractionStatistics stats, DashboardFilters filters, DashboardReports reports)
    {
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Llm.Stack monitoring</title><style>").Append(Css).Append("</style></head><body>");
        html.Append("<header><h1>Llm.Stack monitoring</h1>");
        Filters(html, stats, filters);
        html.Append("</header><main>");
        html.Append(Invariant, $"<p class=\"range\" id=\"range\">{E(Time(stats.From))} to {E(Time(stats.To))} UTC, in buckets of {E(Duration(stats.BucketWidth))}")
            .Append(filters.ModelId is { } m ? $", model {E(m)}" : "").Append(filters.TenantId is { } t ? $", tenant {E(t)}" : "").Append(".</p>");
        if (stats.Count == 0)
        {
            html.Append("<p class=\"empty\" id=\"empty\">No interactions in this range. Answers are recorded by the interaction log (UseInteractionLog(), llmstack ask, llmstack serve).</p>");
        }

        Tiles(html, stats);
        Charts(html, stats);
        Evaluations(html, reports);
        html.Append("</main><script>").Append(Script).Append("</script></body></html>");
        return html.ToString();
    }

    private static void Filters(StringBuilder html, InteractionStatistics stats, DashboardFilters filters)
    {
        html.Append("<form id=\"filters\" method=\"get\"><label>Range <select name=\"range\">");
        foreach ((string value, string label, _) in DashboardEndpoint.Ranges)
        {
            html.Append(Invariant, $"<option value=\"{value}\"{(filters.Range == value ? " selected" : "")}>{E(label)}</option>");
        }

        if (filters.Range == "custom")
        {
            html.Append(Invariant, $"<option value=\"custom\" selected>{E(Time(stats.From))} to {E(Time(stats.To))}</option>");
        }

        html.Append("</select></label>");
        Choice(html, "model", "Model", stats.Models, filters.ModelId);
        Choice(html, "tenant", "Tenant", stats.Tenants, filters.TenantId);
        html.Append("<button type=\"submit\">Apply</button></form>");
    }

    private static void Choice(StringBuilder html, string name, string label, IReadOnlyList<string> values, string? selected)
    {
        html.Append(Invariant, $"<label>{label} <select name=\"{name}\"><option value=\"\">All</option>");
        foreach (string value in selected is null || values.Contains(selected) ? values : [.. values, selected])
        {
            html.Append(Invariant, $"<option value=\"{E(value)}\"{(value == selected ? " selected" : "")}>{E(value)}</option>");
        }

        html.Append("</select></label>");
    }

    private static void Tiles(StringBuilder html, InteractionStatistics s)
    {
        html.Append("<section class=\"tiles\">");
        Tile(html, "count", "Interactions", Count(s.Count), s.Count, null);
        Tile(html, "error-rate", "Error rate", Percent(s.ErrorRate), s.ErrorRate, $"{Count(s.ErrorCount)} errors");
        Tile(html, "latency-p50", "Latency p50", Ms(s.LatencyP50), s.LatencyP50?.TotalMilliseconds, null);
        Tile(html, "latency-p95", "Latency p95", Ms(s.LatencyP95), s.LatencyP95?.TotalMilliseconds, null);
        Tile(html, "ttft-p50", "First token p50", Ms(s.TimeToFirstTokenP50), s.TimeToFirstTokenP50?.TotalMilliseconds, null);
        Tile(html, "ttft-p95", "First token p95", Ms(s.TimeToFirstTokenP95), s.TimeToFirstTokenP95?.TotalMilliseconds, null);
        Tile(html, "tokens", "Tokens", Count(s.InputTokens + s.OutputTokens), s.InputTokens + s.OutputTokens, $"{Count(s.InputTokens)} in, {Count(s.OutputTokens)} out");
        Tile(html, "cost", "Cost", Money(s.Cost), (double)s.Cost, null);
        Tile(html, "feedback", "Positive feedback", s.PositiveFeedbackRatio is { } r ? Percent(r) : "–", s.PositiveFeedbackRatio, $"{Count(s.PositiveFeedbackCount)} up, {Count(s.NegativeFeedbackCount)} down");
        Tile(html, "unanswered", "\u201cI don't know\u201d", Percent(s.UnansweredShare), s.UnansweredShare, $"{Count(s.UnansweredCount)} of {Count(s.AnswerCount)} answers cite no source");
        Tile(html, "blocks", "Guardrail blocks", Count(s.GuardrailBlockCount), s.GuardrailBlockCount, null);
        Tile(html, "top-score", "Mean top retrieval score", s.MeanTopScore is { } score ? Score(score) : "–", s.MeanTopScore, null);
        html.Append("</section>");
    }

    private static void Tile(StringBuilder html, string id, string label, string text, double? value, string? detail) =>
        html.Append(Invariant, $"<div class=\"tile\" data-stat=\"{id}\" data-value=\"{(value is { } v ? v.ToString("R", Invariant) : "")}\"><span class=\"label\">{E(label)}</span><span class=\"value\">{E(text)}</span>")
            .Append(detail is null ? "" : $"<span class=\"detail\">{E(detail)}</span>").Append("</div>");

    private static void Charts(StringBuilder html, InteractionStatistics s)
    {
        string[] times = [.. s.Buckets.Select(b => s.BucketWidth < TimeSpan.FromDays(1) ? b.Start.ToString("MM-dd HH:mm", Invariant) : b.Start.ToString("yyyy-MM-dd", Invariant))];
        html.Append("<section class=\"charts\">");
        Figure(html, "Latency and time to first token", SvgChart.Lines("chart-latency", "Latency and time to first token", times,
        [
            new("latency p50", [.. s.Buckets.Select(b => b.LatencyP50?.TotalMilliseconds)]),
            new("latency p95", [.. s.Buckets.Select(b => b.LatencyP95?.TotalMilliseconds)]),
            new("first token p50", [.. s.Buckets.Select(b => b.TimeToFirstTokenP50?.TotalMilliseconds)], Dashed: true),
            new("first token p95", [.. s.Buckets.Select(b => b.TimeToFirstTokenP95?.TotalMilliseconds)], Dashed: true),
        ], v => Ms(TimeSpan.FromMilliseconds(v))));
        Figure(html, "Interactions and errors", SvgChart.Bars("chart-requests", "Interactions and errors", times,
        [
            new("succeeded", [.. s.Buckets.Select(b => (double?)(b.Count - b.ErrorCount))]),
            new("failed", [.. s.Buckets.Select(b => (double?)b.ErrorCount)]),
        ], Amount));

        string[] days = [.. s.ModelDays.Select(d => d.Day).Distinct().Order().Select(d => d.ToString("yyyy-MM-dd", Invariant))];
        string[] models = [.. s.ModelDays.Select(d => d.ModelId ?? "(unknown)").Distinct().Order(StringComparer.Ordinal)];
        Figure(html, "Tokens per model and day", SvgChart.Bars("chart-tokens", "Tokens per model and day", days,
            [.. models.Select(m => new SvgChart.Series(m, PerDay(s, days, m, d => d.InputTokens + d.OutputTokens)))], Amount));
        Figure(html, "Cost per model and day", SvgChart.Bars("chart-cost", "Cost per model and day", days,
            [.. models.Select(m => new SvgChart.Series(m, PerDay(s, days, m, d => (double)d.Cost)))], v => v.ToString("0.####", Invariant)));
        Figure(html, "Best retrieval score per answer", SvgChart.Bars("chart-scores", "Best retrieval score per answer",
            [.. s.TopScoreHistogram.Select(b => Score(b.Low))], [new("answers", [.. s.TopScoreHistogram.Select(b => (double?)b.Count)])], Amount));
        Figure(html, "Retrieval score drift (mean best score)", SvgChart.Lines("chart-drift", "Retrieval score drift", times,
            [new("mean best score", [.. s.Buckets.Select(b => b.MeanTopScore)])], Score));
        html.Append("</section>");

        html.Append("<section class=\"tables\"><figure><figcaption>Guardrail blocks</figcaption><table id=\"blocks\"><thead><tr><th>Decision</th><th>Interactions</th><th></th></tr></thead><tbody>");
        long most = s.GuardrailBlocks.Count == 0 ? 1 : s.GuardrailBlocks.Max(b => b.Value);
        foreach ((string decision, long count) in s.GuardrailBlocks)
        {
            html.Append(Invariant, $"<tr><td>{E(decision)}</td><td class=\"num\">{Count(count)}</td><td class=\"barcell\"><span class=\"hbar\" style=\"width:{(100.0 * count / most).ToString("0.#", Invariant)}%\"></span></td></tr>");
        }

        if (s.GuardrailBlocks.Count == 0)
        {
            html.Append("<tr><td colspan=\"3\">No blocks.</td></tr>");
        }

        html.Append("</tbody></table></figure><figure><figcaption>Per model and day</figcaption><table id=\"model-days\"><thead><tr><th>Day</th><th>Model</th><th>Interactions</th><th>Input tokens</th><th>Output tokens</th><th>Cost</th></tr></thead><tbody>");
        foreach (InteractionModelDay d in s.ModelDays)
        {
            html.Append(Invariant, $"<tr><td>{d.Day:yyyy-MM-dd}</td><td>{E(d.ModelId ?? "(unknown)")}</td><td class=\"num\">{Count(d.Count)}</td><td class=\"num\">{Count(d.InputTokens)}</td><td class=\"num\">{Count(d.OutputTokens)}</td><td class=\"num\">{Money(d.Cost)}</td></tr>");
        }

        html.Append("</tbody></table></figure></section>");
    }

    /// <summary>
    /// The <c>llmstack eval</c> reports, newest first: each model's rank, metrics, latency and failures, then the metrics
    /// against the run's baseline with the gate's verdict, and the items that scored lower with why. Each number carries
    /// its exact value in <c>data-value</c>.
    /// </summary>
    private static void Evaluations(StringBuilder html, DashboardReports reports)
    {
        html.Append("<section class=\"evaluations\" id=\"evaluations\"><h2>Evaluation reports</h2>");
        if (reports.Reports.Count == 0)
        {
            html.Append(Invariant, $"<p class=\"empty\" id=\"no-reports\">No reports of llmstack eval in {E(reports.Directory)}: each run of llmstack eval saves its report there (LlmStack:Server:EvaluationReportsDirectory).</p>");
        }

        int index = 0;
        foreach (EvaluationReport report in reports.Reports)
        {
            string name = Path.GetRelativePath(reports.Directory, report.Path);
            (string verdict, string css) = report.Baseline is null ? ("no baseline", "ungated")
                : report.Baseline.HasRegression ? ("regression", "regressed") : ("no regression", "passed");
            html.Append(Invariant, $"<article class=\"report\" id=\"report-{index++}\" data-file=\"{E(name)}\"><h3><span class=\"when\">{E(Time(report.Written))} UTC</span> <span class=\"file\">{E(name)}</span> <span class=\"verdict {css}\">{verdict}</span></h3>");
            html.Append("<table class=\"eval-models\"><thead><tr><th>Rank</th><th>Model</th>");
            foreach (string metric in report.MetricNames)
            {
                html.Append("<th class=\"num\">").Append(E(metric)).Append("</th>");
            }

            html.Append("<th class=\"num\">Latency ms</th><th class=\"num\">p95 ms</th><th class=\"num\">Failures</th></tr></thead><tbody>");
            foreach (EvaluationReport.ModelRow model in report.Models)
            {
                html.Append(Invariant, $"<tr data-model=\"{E(model.Model)}\"><td>{model.Rank}</td><td>{E(model.Model)}</td>");
                foreach (string metric in report.MetricNames)
                {
                    html.Append(model.MeanMetrics.TryGetValue(metric, out double mean)
                        ? $"<td class=\"num\" data-metric=\"{E(metric)}\" data-value=\"{mean.ToString("R", Invariant)}\">{mean.ToString("F4", Invariant)}</td>"
                        : $"<td class=\"num\" data-metric=\"{E(metric)}\" data-value=\"\">n/a</td>");
                }

                html.Append(Invariant, $"<td class=\"num\" data-value=\"{model.MeanLatencyMs.ToString("R", Invariant)}\">{model.MeanLatencyMs.ToString("F1", Invariant)}</td><td class=\"num\" data-value=\"{model.P95LatencyMs.ToString("R", Invariant)}\">{model.P95LatencyMs.ToString("F1", Invariant)}</td><td class=\"num\">{model.Failures} of {model.Items}</td></tr>");
            }

            html.Append("</tbody></table>");
            if (report.Baseline is { } baseline)
            {
                html.Append("<table class=\"eval-baseline\"><thead><tr><th>Model</th><th>Metric</th><th class=\"num\">Baseline</th><th class=\"num\">This run</th><th class=\"num\">Change</th><th class=\"num\">Max drop</th><th>Verdict</th></tr></thead><tbody>");
                foreach (EvaluationReport.MetricChange m in baseline.Metrics)
                {
                    string rowVerdict = m.MaxDrop is null ? "not gated" : m.Regressed ? "REGRESSED" : "ok";
                    html.Append(Invariant, $"<tr class=\"{(m.Regressed ? "regressed" : m.MaxDrop is null ? "ungated" : "passed")}\" data-model=\"{E(m.Model)}\" data-metric=\"{E(m.Metric)}\"><td>{E(m.Model)}</td><td>{E(m.Metric)}</td>")
                        .Append(Invariant, $"<td class=\"num\" data-value=\"{m.Baseline.ToString("R", Invariant)}\">{m.Baseline.ToString("F4", Invariant)}</td>")
                        .Append(Invariant, $"<td class=\"num\" data-value=\"{m.Current.ToString("R", Invariant)}\">{m.Current.ToString("F4", Invariant)}</td>")
                        .Append(Invariant, $"<td class=\"num change\">{m.Change.ToString("+0.0000;-0.0000;0", Invariant)}</td>")
                        .Append(Invariant, $"<td class=\"num\" data-value=\"{m.MaxDrop?.ToString("R", Invariant)}\">{m.MaxDrop?.ToString("0.####", Invariant)}</td><td>{rowVerdict}</td></tr>");
                }

                html.Append("</tbody></table>");
                html.Append(Invariant, $"<p class=\"items\" data-value=\"{baseline.Items.Count}\">{baseline.Items.Count} {(baseline.Items.Count == 1 ? "item" : "items")} scored lower than in the baseline")
                    .Append(baseline.Items.Count == 0 ? "." : ": " + E(string.Join(", ", baseline.Items.GroupBy(i => i.Cause).Select(g => $"{g.Count()} {g.Key}"))) + ".").Append("</p>");
                if (baseline.Items.Count > 0)
                {
                    const int Shown = 10;
                    html.Append("<table class=\"eval-items\"><thead><tr><th>Model</th><th>Item</th><th>Why</th><th>What got worse</th></tr></thead><tbody>");
                    foreach (EvaluationReport.ItemChange item in baseline.Items.Take(Shown))
                    {
                        html.Append(Invariant, $"<tr data-item=\"{E(item.ItemId)}\"><td>{E(item.Model)}</td><td>{E(item.ItemId)}</td><td>{E(item.Cause)}</td><td>")
                            .Append(E(string.Join(", ", item.Drops.Select(d => $"{d.Metric} {d.Baseline.ToString("0.####", Invariant)} \u2192 {d.Current.ToString("0.####", Invariant)}")))).Append("</td></tr>");
                    }

                    if (baseline.Items.Count > Shown)
                    {
                        html.Append(Invariant, $"<tr><td colspan=\"4\">and {baseline.Items.Count - Shown} more (see the run's report.md or report.html).</td></tr>");
                    }

                    html.Append("</tbody></table>");
                }
            }

            html.Append("</article>");
        }

        foreach (string problem in reports.Problems)
        {
            html.Append("<p class=\"problem\">").Append(E(problem)).Append("</p>");
        }

        html.Append("</section>");
    }

    private static double?[] PerDay(InteractionStatistics s, string[] days, string model, Func<InteractionModelDay, double> value)
    {
        var values = new double?[days.Length];
        foreach (InteractionModelDay d in s.ModelDays.Where(d => (d.ModelId ?? "(unknown)") == model))
        {
            values[Array.IndexOf(days, d.Day.ToString("yyyy-MM-dd", Invariant))] = value(d);
        }

        return values;
    }

    private static void Figure(StringBuilder html, string caption, string svg) =>
        html.Append("<figure><figcaption>").Append(E(caption)).Append("</figcaption>").Append(svg).Append("</figure>");

    /// <summary>A count with thousands separators: 12,345.</summary>
    public static string Count(long value) => value.ToString("N0", Invariant);

    /// <summary>An axis or bar amount: thousands separators, and one decimal where a gridline falls between whole numbers.</summary>
    private static string Amount(double value) => value.ToString("#,0.#", Invariant);

    /// <summary>A share as a percentage with one decimal: 12.3%.</summary>
    public static string Percent(double share) => (share * 100).ToString("0.0", Invariant) + "%";

    /// <summary>A duration: 850 ms below a second, else 1.25 s; a dash for none.</summary>
    public static string Ms(TimeSpan? value) => value is not { } v ? "–"
        : v.TotalMilliseconds < 1000 ? v.TotalMilliseconds.ToString("0", Invariant) + " ms"
        : v.TotalSeconds.ToString("0.00", Invariant) + " s";

    /// <summary>A cost with four decimals: 0.0123.</summary>
    public static string Money(decimal value) => value.ToString("0.0000", Invariant);

    /// <summary>A retrieval score with three decimals: 0.812.</summary>
    public static string Score(double value) => value.ToString("0.000", Invariant);

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant);

    private static string Duration(TimeSpan value) =>
        value.TotalDays >= 1 ? $"{value.TotalDays:0.##} {(value.TotalDays == 1 ? "day" : "days")}"
        : value.TotalHours >= 1 ? $"{value.TotalHours:0.##} {(value.TotalHours == 1 ? "hour" : "hours")}"
        : $"{value.TotalMinutes:0.##} {(value.TotalMinutes == 1 ? "minute" : "minutes")}";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Css = """
        :root{--bg:#f6f7f9;--card:#fff;--ink:#1d2433;--muted:#6b7385;--line:#e3e6ec;--c0:#2f6fde;--c1:#d9480f;--c2:#2b8a3e;--c3:#ae3ec9;--c4:#e8a10c;--c5:#0c8599}
        *{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
        header{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:center;justify-content:space-between;padding:14px 24px;background:var(--card);border-bottom:1px solid var(--line)}
        h1{font-size:18px;margin:0}form{display:flex;flex-wrap:wrap;gap:12px;align-items:center}label{color:var(--muted)}
        select,button{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--ink)}button{background:var(--c0);color:#fff;border-color:var(--c0);cursor:pointer}
        main{padding:16px 24px;max-width:1400px;margin:0 auto}.range,.empty{color:var(--muted);margin:0 0 12px}.empty{padding:12px;background:#fff8e1;border-radius:8px}
        .tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:16px}
        .tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;display:flex;flex-direction:column}
        .tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.tile .value{font-size:24px;font-weight:600;margin-top:2px}.tile .detail{color:var(--muted);font-size:12px}
        .charts,.tables{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px;margin-bottom:16px}
        figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px}figcaption{font-weight:600;margin-bottom:6px}
        .chart{width:100%;height:auto;display:block}.grid{stroke:var(--line)}.axis,.legend{font-size:11px;fill:var(--muted)}
        .line{fill:none;stroke-width:2}.dashed{stroke-dasharray:5 4}.pt{stroke:none}
        .s0{stroke:var(--c0);fill:var(--c0)}.s1{stroke:var(--c1);fill:var(--c1)}.s2{stroke:var(--c2);fill:var(--c2)}.s3{stroke:var(--c3);fill:var(--c3)}.s4{stroke:var(--c4);fill:var(--c4)}.s5{stroke:var(--c5);fill:var(--c5)}
        path.line{fill:none}rect.bar:hover,.pt:hover{opacity:.75}
        table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:500}.num{text-align:right;font-variant-numeric:tabular-nums}
        .barcell{width:40%}.hbar{display:block;height:10px;border-radius:5px;background:var(--c1)}
        .evaluations h2{font-size:16px;margin:8px 0}.report{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px;margin-bottom:12px}
        .report h3{font-size:14px;margin:0 0 8px;display:flex;gap:12px;align-items:baseline}.report .file{color:var(--muted);font-weight:400}.report table{margin-bottom:8px}
        .verdict{font-size:12px;padding:2px 8px;border-radius:10px;background:var(--line)}.verdict.regressed{background:#ffe3e3;color:#c92a2a}.verdict.passed{background:#d3f9d8;color:#2b8a3e}
        tr.regressed td{color:#c92a2a;font-weight:600}.items{color:var(--muted);margin:4px 0}.problem{color:#c92a2a}
        """;

    // Changing a filter applies it at once; the Apply button remains for keyboards and for pages without script.
    private const string Script = """
        document.querySelectorAll('#filters select').forEach(function (s) { s.addEventListener('change', function () { s.form.submit(); }); });
        """;
}
