namespace Llm.Stack;

/// <summary>The result of <see cref="PromptInjectionDetector.Assess(string)"/>: a score, the verdict at the detector's threshold, and the evidence.</summary>
public sealed class InjectionAssessment
{
    /// <summary>The assessment of a text in which nothing was found.</summary>
    internal static readonly InjectionAssessment None = new(0, false, []);

    internal InjectionAssessment(double score, bool isInjection, IReadOnlyList<InjectionSignal> signals)
    {
        Score = score;
        IsInjection = isInjection;
        Signals = signals;
    }

    /// <summary>Gets the likelihood that the text is a prompt injection, in [0, 1]: the signals' weights combined as independent evidence (1 − Π(1 − w)).</summary>
    public double Score { get; }

    /// <summary>Gets a value indicating whether <see cref="Score"/> reaches the detector's <see cref="PromptInjectionDetector.Threshold"/>.</summary>
    public bool IsInjection { get; }

    /// <summary>Gets the evidence found, in text order; empty when nothing was found.</summary>
    public IReadOnlyList<InjectionSignal> Signals { get; }
}
