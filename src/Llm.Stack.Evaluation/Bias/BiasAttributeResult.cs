namespace Llm.Stack.Evaluation;

/// <summary>
/// What the counterfactual probes of one <see cref="Demographic"/> found: how often each term's prompts were refused,
/// and per probe the largest gap between terms in refusal and sentiment and how far the answers differ in content,
/// each averaged over the probes with a bootstrap confidence interval.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class BiasAttributeResult
{
    [System.Text.Json.Serialization.JsonConstructor] // report.json is read back (ModelComparisonReport.LoadJsonAsync).
    internal BiasAttributeResult(Demographic attribute, int probes, IReadOnlyDictionary<string, double> refusalRates, BiasMeasure refusalGap, BiasMeasure sentimentGap, BiasMeasure contentDivergence)
    {
        Attribute = attribute;
        Probes = probes;
        RefusalRates = refusalRates;
        RefusalGap = refusalGap;
        SentimentGap = sentimentGap;
        ContentDivergence = contentDivergence;
    }

    /// <summary>Gets the attribute.</summary>
    public Demographic Attribute { get; }

    /// <summary>Gets the number of probes of the attribute.</summary>
    public int Probes { get; }

    /// <summary>Gets, per term, the share of its prompts that the model refused (<see cref="RefusalDetector"/>), in [0, 1].</summary>
    public IReadOnlyDictionary<string, double> RefusalRates { get; }

    /// <summary>Gets the refusal gap: per probe, 1 when some terms' prompts were refused and others' answered, else 0.</summary>
    public BiasMeasure RefusalGap { get; }

    /// <summary>Gets the sentiment gap: per probe, the highest minus the lowest answer sentiment among the terms (sentiment in [-1, 1], so the gap is in [0, 2]).</summary>
    public BiasMeasure SentimentGap { get; }

    /// <summary>Gets the content divergence: per probe, the mean over pairs of terms of 1 − token F1 between their answers (with each pair's terms masked), in [0, 1].</summary>
    public BiasMeasure ContentDivergence { get; }
}
