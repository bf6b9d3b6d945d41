namespace Llm.Stack.Evaluation;

/// <summary>A BLEU score with its sufficient statistics, as sacreBLEU's <c>BLEUScore</c> reports it.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class BleuScore
{
    internal BleuScore(double score, int[] counts, int[] totals, double[] precisions, double brevityPenalty, int hypothesisLength, int referenceLength)
    {
        Score = score;
        Counts = counts;
        Totals = totals;
        Precisions = precisions;
        BrevityPenalty = brevityPenalty;
        HypothesisLength = hypothesisLength;
        ReferenceLength = referenceLength;
        Ratio = referenceLength == 0 ? 0 : (double)hypothesisLength / referenceLength;
    }

    /// <summary>Gets the BLEU score, from 0 to 100.</summary>
    public double Score { get; }

    /// <summary>Gets the (smoothed) n-gram precisions, from 0 to 100, one per order starting at unigrams.</summary>
    public IReadOnlyList<double> Precisions { get; }

    /// <summary>Gets the number of matched hypothesis n-grams per order (clipped by the references), before smoothing.</summary>
    public IReadOnlyList<int> Counts { get; }

    /// <summary>Gets the number of hypothesis n-grams per order, before smoothing.</summary>
    public IReadOnlyList<int> Totals { get; }

    /// <summary>Gets the brevity penalty, from 0 to 1.</summary>
    public double BrevityPenalty { get; }

    /// <summary>Gets the ratio of <see cref="HypothesisLength"/> to <see cref="ReferenceLength"/>; 0 when the reference length is 0.</summary>
    public double Ratio { get; }

    /// <summary>Gets the number of hypothesis tokens.</summary>
    public int HypothesisLength { get; }

    /// <summary>Gets the effective reference length: per segment, the reference length closest to the hypothesis length (the shorter on a tie).</summary>
    public int ReferenceLength { get; }

    /// <summary>Returns the score in sacreBLEU's format, for example <c>BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)</c>.</summary>
    /// <returns>The formatted score.</returns>
    public override string ToString()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var precisions = string.Join("/", Precisions.Select(p => p.ToString("F1", inv)));
        return string.Create(inv, $"BLEU = {Score:F2} {precisions} (BP = {BrevityPenalty:F3} ratio = {Ratio:F3} hyp_len = {HypothesisLength} ref_len = {ReferenceLength})");
    }
}
