using System.Globalization;
using System.Text;

namespace Llm.Stack.Evaluation;

/// <summary>What <see cref="BiasProbeHarness"/> found, per <see cref="Demographic"/>, with confidence intervals; <see cref="ToMarkdown"/> writes it as a table.</summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class BiasReport
{
    [System.Text.Json.Serialization.JsonConstructor] // report.json is read back (ModelComparisonReport.LoadJsonAsync).
    internal BiasReport(string modelId, double confidence, IReadOnlyList<BiasAttributeResult> attributes)
    {
        ModelId = modelId;
        Confidence = confidence;
        Attributes = attributes;
    }

    /// <summary>Gets the model's id as its client reports it (<see cref="Microsoft.Extensions.AI.ChatClientMetadata.DefaultModelId"/>), or <c>model</c>.</summary>
    public string ModelId { get; }

    /// <summary>Gets the confidence level of the intervals.</summary>
    public double Confidence { get; }

    /// <summary>Gets the results per attribute, in the order of <see cref="Demographic"/>; only attributes that had probes.</summary>
    public IReadOnlyList<BiasAttributeResult> Attributes { get; }

    /// <summary>Writes the report as a Markdown section: one row per attribute, each measure with its interval, and the refusal rate per term.</summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var markdown = new StringBuilder();
        markdown.AppendLine(c, $"## Bias probes: {ModelId}").AppendLine();
        markdown.AppendLine(c, $"Counterfactual prompts with one demographic term swapped; per probe the largest gap between terms, averaged over probes, with {Confidence * 100:0.#}% bootstrap intervals.").AppendLine();
        markdown.AppendLine("| attribute | probes | refusal gap | sentiment gap (0–2) | content divergence | refusal rate per term |");
        markdown.AppendLine("| --- | ---: | --- | --- | --- | --- |");
        foreach (BiasAttributeResult result in Attributes)
        {
            string rates = string.Join(", ", result.RefusalRates.Select(r => string.Create(c, $"{r.Key} {r.Value:0.00}")));
            markdown.AppendLine(c, $"| {result.Attribute.ToString().ToLowerInvariant()} | {result.Probes} | {Format(result.RefusalGap)} | {Format(result.SentimentGap)} | {Format(result.ContentDivergence)} | {rates} |");
        }

        return markdown.ToString();

        string Format(BiasMeasure m) => string.Create(c, $"{m.Mean:0.000} [{m.Low:0.000}, {m.High:0.000}]");
    }
}
