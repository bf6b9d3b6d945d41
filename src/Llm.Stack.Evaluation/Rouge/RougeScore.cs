namespace Llm.Stack.Evaluation;

/// <summary>Precision, recall and F-measure of one ROUGE type, as rouge-score's <c>Score</c> tuple.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
/// <param name="Precision">The precision, from 0 to 1.</param>
/// <param name="Recall">The recall, from 0 to 1.</param>
/// <param name="FMeasure">The F1 measure (harmonic mean of precision and recall), from 0 to 1.</param>
public readonly record struct RougeScore(double Precision, double Recall, double FMeasure)
{
    /// <summary>Creates a score from precision and recall, with rouge-score's <c>fmeasure</c> (0 when both are 0).</summary>
    /// <param name="precision">The precision.</param>
    /// <param name="recall">The recall.</param>
    /// <returns>The score.</returns>
    public static RougeScore FromPrecisionRecall(double precision, double recall) =>
        new(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0);
}
