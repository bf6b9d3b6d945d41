using System.Globalization;
using System.Text.Json;

namespace Llm.Stack.Server;

/// <summary>
/// One report of <c>llmstack eval</c>, as the dashboard lists it: the models with their rank and mean metrics, and the
/// comparison with the baseline run when there was one. Read from the report's JSON (what Llm.Stack.Evaluation's
/// <c>ModelComparisonReport.ToJson</c> writes) by this small reader of its own: the server package does not reference
/// the evaluation package, so the JSON format is the contract between them.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class EvaluationReport
{
    private static readonly string[] Causes = ["failed", "retrieval missed", "answer changed", "score changed"];

    private EvaluationReport(string path, DateTimeOffset written, string[] metricNames, ModelRow[] models, Comparison? baseline)
    {
        Path = path;
        Written = written;
        MetricNames = metricNames;
        Models = models;
        Baseline = baseline;
    }

    /// <summary>Gets the file's full path.</summary>
    public string Path { get; }

    /// <summary>Gets when the file was written (its last write time, UTC): the report's date.</summary>
    public DateTimeOffset Written { get; }

    /// <summary>Gets the names of the quality metrics, in the report's order.</summary>
    public IReadOnlyList<string> MetricNames { get; }

    /// <summary>Gets the models, best rank first.</summary>
    public IReadOnlyList<ModelRow> Models { get; }

    /// <summary>Gets the comparison with the baseline run; <see langword="null"/> when the run had none.</summary>
    public Comparison? Baseline { get; }

    /// <summary>Reads a report's JSON.</summary>
    /// <param name="path">The file.</param>
    /// <param name="json">Its bytes.</param>
    /// <param name="written">Its last write time.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FormatException">The JSON is not a report of <c>llmstack eval</c>.</exception>
    public static EvaluationReport Parse(string path, ReadOnlyMemory<byte> json, DateTimeOffset written)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("metricNames", out JsonElement metricNames) || metricNames.ValueKind != JsonValueKind.Array
                || !root.TryGetProperty("summaries", out JsonElement summaries) || summaries.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("it has no metricNames and summaries");
            }

            ModelRow[] models = [.. summaries.EnumerateArray().Select(s => new ModelRow(
                Text(s, "model"),
                (int)Number(s, "rank"),
                (int)Number(s, "items"),
                (int)Number(s, "failures"),
                s.TryGetProperty("meanMetrics", out JsonElement means) && means.ValueKind == JsonValueKind.Object
                    ? means.EnumerateObject().ToDictionary(m => m.Name, m => Number(m.Value), StringComparer.Ordinal)
                    : new Dictionary<string, double>(StringComparer.Ordinal),
                Number(s, "meanLatencyMs"),
                Number(s, "p95LatencyMs")))
                .OrderBy(m => m.Rank)];
            Comparison? baseline = null;
            if (root.TryGetProperty("baseline", out JsonElement b) && b.ValueKind == JsonValueKind.Object)
            {
                baseline = new Comparison(
                    [.. Elements(b, "metrics").Select(m => new MetricChange(
                        Text(m, "model"), Text(m, "metric"), Number(m, "baseline"), Number(m, "current"),
                        m.TryGetProperty("maxDrop", out JsonElement max) && max.ValueKind != JsonValueKind.Null ? Number(max) : null,
                        m.TryGetProperty("regressed", out JsonElement regressed) && regressed.ValueKind == JsonValueKind.True))],
                    [.. Elements(b, "items").Select(i => new ItemChange(
                        Text(i, "model"), Text(i, "itemId"), Cause(i),
                        [.. Elements(i, "drops").Select(d => new MetricChange(Text(d, "model"), Text(d, "metric"), Number(d, "baseline"), Number(d, "current"), null, false))]))]);
            }

            return new EvaluationReport(path, written, [.. metricNames.EnumerateArray().Select(n => n.GetString() ?? "")], models, baseline);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static JsonElement[] Elements(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement array) && array.ValueKind == JsonValueKind.Array ? [.. array.EnumerateArray()] : [];

    private static string Text(JsonElement element, string name) => element.GetProperty(name).GetString() ?? "";

    private static double Number(JsonElement element, string name) => element.TryGetProperty(name, out JsonElement value) ? Number(value) : 0;

    /// <summary>A number as the report writes it: a JSON number, or <c>"NaN"</c>, <c>"Infinity"</c> or <c>"-Infinity"</c> as a string.</summary>
    private static double Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture) : value.GetDouble();

    /// <summary>The cause of an item's drop: the enum's number (as the report writes it) or its name.</summary>
    private static string Cause(JsonElement item) =>
        !item.TryGetProperty("cause", out JsonElement cause) ? Causes[0]
        : cause.ValueKind == JsonValueKind.Number ? (cause.GetInt32() is int n && n >= 0 && n < Causes.Length ? Causes[n] : "changed")
        : cause.GetString() switch
        {
            "Failed" => Causes[0],
            "RetrievalMissed" => Causes[1],
            "AnswerChanged" => Causes[2],
            "ScoreChanged" => Causes[3],
            var other => other ?? "changed",
        };

    /// <summary>One model of a report.</summary>
    /// <param name="Model">The model's name.</param>
    /// <param name="Rank">Its rank, 1 for the best.</param>
    /// <param name="Items">The items it ran.</param>
    /// <param name="Failures">The items whose call failed.</param>
    /// <param name="MeanMetrics">The mean of each metric, by name.</param>
    /// <param name="MeanLatencyMs">The mean latency.</param>
    /// <param name="P95LatencyMs">The 95th-percentile latency.</param>
    public sealed record ModelRow(string Model, int Rank, int Items, int Failures, IReadOnlyDictionary<string, double> MeanMetrics, double MeanLatencyMs, double P95LatencyMs);

    /// <summary>One metric of one model against the baseline.</summary>
    /// <param name="Model">The model's name.</param>
    /// <param name="Metric">The metric's name.</param>
    /// <param name="Baseline">Its mean (or value) in the baseline.</param>
    /// <param name="Current">Its mean (or value) in this run.</param>
    /// <param name="MaxDrop">The largest drop allowed; <see langword="null"/> when not gated.</param>
    /// <param name="Regressed">Whether it dropped by more than <paramref name="MaxDrop"/>, as the evaluation's gate decided.</param>
    public sealed record MetricChange(string Model, string Metric, double Baseline, double Current, double? MaxDrop, bool Regressed)
    {
        /// <summary>Gets the change from the baseline (negative when it dropped).</summary>
        public double Change => Current - Baseline;
    }

    /// <summary>One item that scored lower than in the baseline.</summary>
    /// <param name="Model">The model's name.</param>
    /// <param name="ItemId">The dataset item's id.</param>
    /// <param name="Cause">Why, in words: failed, retrieval missed, answer changed, score changed.</param>
    /// <param name="Drops">The metrics that dropped on it.</param>
    public sealed record ItemChange(string Model, string ItemId, string Cause, IReadOnlyList<MetricChange> Drops);

    /// <summary>A run against its baseline.</summary>
    /// <param name="Metrics">Each metric of each model both runs have, gated ones first.</param>
    /// <param name="Items">Every item that scored lower.</param>
    public sealed record Comparison(IReadOnlyList<MetricChange> Metrics, IReadOnlyList<ItemChange> Items)
    {
        /// <summary>Gets a value indicating whether a gated metric dropped beyond its limit.</summary>
        public bool HasRegression => Metrics.Any(m => m.Regressed);
    }
}
