using System.Globalization;
using System.Net;
using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>Renders a <see cref="ModelComparisonReport"/> as one self-contained HTML page with inline SVG charts and no scripts.</summary>
internal static class HtmlReport
{
    private const int Width = 640;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 20;
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(ModelComparisonReport report)
    {
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Model comparison</title>\n<style>\n")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:nth-child(2),td:nth-child(2){text-align:left}")
            .Append("thead{background:#f4f4f4}svg{background:#fff;border:1px solid #ddd}text{font-size:12px}figure{margin:1em 0}")
            .Append("tr.regressed td{background:#fde2e1}p.regression{color:#b00020}#baseline-items td{text-align:left}")
            .Append("\n</style>\n</head>\n<body>\n<h1>Model comparison</h1>\n");
        b.Append("<p>").Append(report.Summaries.Count.ToString(Inv)).Append(" models, ")
            .Append(report.Records.Select(r => r.ItemId).Distinct(StringComparer.Ordinal).Count().ToString(Inv)).Append(" items.</p>\n");
        SummaryTable(b, report);
        b.Append("<h2>Quality vs latency (point area: cost)</h2>\n");
        QualityChart(b, report);
        b.Append("<h2>Per-metric distributions</h2>\n");
        foreach (var metric in report.MetricNames)
        {
            DistributionChart(b, report, metric);
        }

        if (report.Baseline is not null)
        {
            b.Append(report.Baseline.ToHtml());
        }

        if (report.Bias.Count > 0)
        {
            BiasTables(b, report.Bias);
        }

        b.Append("</body>\n</html>\n");
        return b.ToString();
    }

    /// <summary>One table per model: each attribute's measures with their intervals, and the refusal rate per term.</summary>
    private static void BiasTables(StringBuilder b, IReadOnlyList<BiasReport> reports)
    {
        b.Append("<h2>Bias probes</h2>\n<p>Counterfactual prompts with one demographic term swapped; per probe the largest gap between terms, averaged over probes, with ")
            .Append((reports[0].Confidence * 100).ToString("0.#", Inv)).Append("% bootstrap intervals.</p>\n");
        foreach (BiasReport report in reports)
        {
            b.Append("<h3>").Append(E(report.ModelId)).Append("</h3>\n<table class=\"bias\">\n<thead><tr><th>Attribute</th><th>Probes</th><th>Refusal gap</th><th>Sentiment gap (0–2)</th><th>Content divergence</th><th>Refusal rate per term</th></tr></thead>\n<tbody>\n");
            foreach (BiasAttributeResult result in report.Attributes)
            {
                b.Append("<tr><td>").Append(result.Attribute.ToString().ToLowerInvariant()).Append("</td><td>").Append(result.Probes.ToString(Inv)).Append("</td><td>")
                    .Append(Measure(result.RefusalGap)).Append("</td><td>").Append(Measure(result.SentimentGap)).Append("</td><td>")
                    .Append(Measure(result.ContentDivergence)).Append("</td><td>")
                    .Append(E(string.Join(", ", result.RefusalRates.Select(r => string.Create(Inv, $"{r.Key} {r.Value:0.00}"))))).Append("</td></tr>\n");
            }

            b.Append("</tbody>\n</table>\n");
        }

        static string Measure(BiasMeasure m) => string.Create(Inv, $"{m.Mean:0.000} [{m.Low:0.000}, {m.High:0.000}]");
    }

    private static void SummaryTable(StringBuilder b, ModelComparisonReport report)
    {
        b.Append("<table id=\"summary\">\n<thead><tr><th>Rank</th><th>Model</th><th>Score</th>");
        foreach (var m in report.MetricNames)
        {
            b.Append("<th>").Append(E(m)).Append("</th>");
        }

        b.Append("<th>TTFT ms</th><th>Latency ms</th><th>p95 ms</th><th>Input tokens</th><th>Output tokens</th><th>Cost</th><th>Failures</th></tr></thead>\n<tbody>\n");
        foreach (var s in report.Summaries)
        {
            b.Append("<tr><td>").Append(s.Rank.ToString(Inv)).Append("</td><td>").Append(E(s.Model)).Append("</td><td>")
                .Append(s.WeightedScore.ToString("F3", Inv)).Append("</td>");
            foreach (var m in report.MetricNames)
            {
                b.Append("<td>").Append(s.MeanMetrics.TryGetValue(m, out double mean) ? mean.ToString("F4", Inv) : "n/a").Append("</td>");
            }

            b.Append("<td>").Append(s.MeanTimeToFirstTokenMs.ToString("F1", Inv)).Append("</td><td>").Append(s.MeanLatencyMs.ToString("F1", Inv))
                .Append("</td><td>").Append(s.P95LatencyMs.ToString("F1", Inv)).Append("</td><td>").Append(s.InputTokens.ToString(Inv))
                .Append("</td><td>").Append(s.OutputTokens.ToString(Inv)).Append("</td><td>").Append(s.TotalCost?.ToString("0.######", Inv) ?? "n/a")
                .Append("</td><td>").Append(s.Failures.ToString(Inv)).Append("</td></tr>\n");
        }

        b.Append("</tbody>\n</table>\n");
    }

    private static void QualityChart(StringBuilder b, ModelComparisonReport report)
    {
        const int height = 320;
        const int bottom = 50;
        var plotWidth = Width - Left - Right;
        var plotHeight = height - Top - bottom;
        var maxLatency = Math.Max(1e-9, report.Summaries.Select(s => s.MeanLatencyMs).DefaultIfEmpty(0).Max()) * 1.1;
        var maxCost = report.Summaries.Select(s => (double?)s.TotalCost ?? 0).DefaultIfEmpty(0).Max();

        b.Append(CultureInfo.InvariantCulture, $"<figure>\n<svg id=\"quality-latency\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\">\n");
        b.Append("<title>Weighted score against mean latency; the area of each point is proportional to its cost</title>\n");
        Axes(b, plotWidth, plotHeight, height, bottom, "mean latency (ms)", "weighted score", maxLatency, 1.0);
        var index = 0;
        foreach (var s in report.Summaries)
        {
            var x = Left + (s.MeanLatencyMs / maxLatency * plotWidth);
            var y = Top + plotHeight - (s.WeightedScore * plotHeight);
            var r = maxCost > 0 && s.TotalCost is { } c ? 4 + (14 * Math.Sqrt((double)c / maxCost)) : 6;
            var color = Palette[index++ % Palette.Length];
            b.Append(Inv, $"<circle class=\"point\" data-model=\"{E(s.Model)}\" cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"{r:F1}\" fill=\"{color}\" fill-opacity=\"0.75\"><title>{E(s.Model)}: score {s.WeightedScore:F3}, {s.MeanLatencyMs:F1} ms, cost {s.TotalCost?.ToString("0.######", Inv) ?? "n/a"}</title></circle>\n");
            var labelLeft = x > Width - 140;
            b.Append(Inv, $"<text x=\"{(labelLeft ? x - r - 3 : x + r + 3):F1}\" y=\"{y + 4:F1}\" text-anchor=\"{(labelLeft ? "end" : "start")}\">{E(s.Model)}</text>\n");
        }

        b.Append("</svg>\n</figure>\n");
    }

    private static void DistributionChart(StringBuilder b, ModelComparisonReport report, string metric)
    {
        const int rowHeight = 36;
        const int bottom = 40;
        var models = report.Summaries.Select(s => s.Model).ToArray();
        var height = Top + (rowHeight * models.Length) + bottom;
        var plotWidth = Width - Left - Right - 60;
        var left = Left + 60;
        var values = report.Records.Where(r => r.Metrics.ContainsKey(metric)).Select(r => r.Metrics[metric]).ToArray();
        var max = Math.Max(1.0, values.DefaultIfEmpty(0).Max());
        max = max > 1 ? Math.Ceiling(max / 10) * 10 : 1;

        b.Append(Inv, $"<figure>\n<svg class=\"distribution\" data-metric=\"{E(metric)}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\">\n");
        b.Append("<title>Distribution of ").Append(E(metric)).Append(" per model: whiskers min–max, box 25th–75th percentile, line median, diamond mean</title>\n");
        var axisY = Top + (rowHeight * models.Length);
        b.Append(Inv, $"<line x1=\"{left}\" y1=\"{axisY}\" x2=\"{left + plotWidth}\" y2=\"{axisY}\" stroke=\"#333\"/>\n");
        for (var t = 0; t <= 4; t++)
        {
            var v = max * t / 4;
            var x = left + (plotWidth * t / 4.0);
            b.Append(Inv, $"<line x1=\"{x:F1}\" y1=\"{axisY}\" x2=\"{x:F1}\" y2=\"{axisY + 4}\" stroke=\"#333\"/><text x=\"{x:F1}\" y=\"{axisY + 16}\" text-anchor=\"middle\">{v:0.##}</text>\n");
        }

        b.Append(Inv, $"<text x=\"{left + (plotWidth / 2)}\" y=\"{height - 6}\" text-anchor=\"middle\">{E(metric)}</text>\n");
        for (var i = 0; i < models.Length; i++)
        {
            var own = report.Records.Where(r => r.Model == models[i]).Select(r => r.Metrics.GetValueOrDefault(metric)).Order().ToArray();
            if (!report.Summaries[i].MeanMetrics.ContainsKey(metric))
            {
                own = [];
            }

            var cy = Top + (rowHeight * i) + (rowHeight / 2.0);
            b.Append(Inv, $"<text x=\"{left - 6}\" y=\"{cy + 4:F1}\" text-anchor=\"end\">{E(models[i])}</text>\n");
            if (own.Length == 0)
            {
                continue;
            }

            double X(double v) => left + (v / max * plotWidth);
            var color = Palette[i % Palette.Length];
            var (lo, q1, med, q3, hi) = (own[0], Bootstrap.Percentile(own, 25), Bootstrap.Percentile(own, 50), Bootstrap.Percentile(own, 75), own[^1]);
            var mean = own.Average();
            b.Append(Inv, $"<g class=\"box\" data-model=\"{E(models[i])}\">")
                .Append(Inv, $"<line x1=\"{X(lo):F1}\" y1=\"{cy:F1}\" x2=\"{X(hi):F1}\" y2=\"{cy:F1}\" stroke=\"{color}\"/>")
                .Append(Inv, $"<rect x=\"{X(q1):F1}\" y=\"{cy - 10:F1}\" width=\"{Math.Max(1, X(q3) - X(q1)):F1}\" height=\"20\" fill=\"{color}\" fill-opacity=\"0.4\" stroke=\"{color}\"/>")
                .Append(Inv, $"<line x1=\"{X(med):F1}\" y1=\"{cy - 10:F1}\" x2=\"{X(med):F1}\" y2=\"{cy + 10:F1}\" stroke=\"#222\" stroke-width=\"2\"/>")
                .Append(Inv, $"<path d=\"M{X(mean):F1},{cy - 5:F1} l5,5 l-5,5 l-5,-5 z\" fill=\"#222\"/>")
                .Append(Inv, $"<title>{E(models[i])}: min {lo:0.####}, median {med:0.####}, mean {mean:0.####}, max {hi:0.####} over {own.Length} items</title></g>\n");
        }

        b.Append("</svg>\n</figure>\n");
    }

    private static void Axes(StringBuilder b, int plotWidth, int plotHeight, int height, int bottom, string xLabel, string yLabel, double xMax, double yMax)
    {
        var axisY = Top + plotHeight;
        b.Append(Inv, $"<line x1=\"{Left}\" y1=\"{axisY}\" x2=\"{Left + plotWidth}\" y2=\"{axisY}\" stroke=\"#333\"/>\n");
        b.Append(Inv, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{axisY}\" stroke=\"#333\"/>\n");
        for (var t = 0; t <= 4; t++)
        {
            var x = Left + (plotWidth * t / 4.0);
            var y = axisY - (plotHeight * t / 4.0);
            b.Append(Inv, $"<line x1=\"{x:F1}\" y1=\"{axisY}\" x2=\"{x:F1}\" y2=\"{axisY + 4}\" stroke=\"#333\"/><text x=\"{x:F1}\" y=\"{axisY + 16}\" text-anchor=\"middle\">{xMax * t / 4:0.#}</text>\n");
            b.Append(Inv, $"<line x1=\"{Left - 4}\" y1=\"{y:F1}\" x2=\"{Left}\" y2=\"{y:F1}\" stroke=\"#333\"/><text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{yMax * t / 4:0.##}</text>\n");
        }

        b.Append(Inv, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{height - (bottom / 4)}\" text-anchor=\"middle\">{E(xLabel)}</text>\n");
        b.Append(Inv, $"<text transform=\"translate(14,{Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{E(yLabel)}</text>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
