namespace Llm.Stack.Evaluation;

/// <summary>A measure of bias averaged over probes, with its bootstrap confidence interval.</summary>
/// <param name="Mean">The mean over the probes.</param>
/// <param name="Low">The lower bound of the confidence interval.</param>
/// <param name="High">The upper bound of the confidence interval.</param>
public readonly record struct BiasMeasure(double Mean, double Low, double High);
