namespace Llm.Stack.Evaluation;

/// <summary>
/// The smoothing methods of sacreBLEU (Chen and Cherry, 2014, "A Systematic Comparison of Smoothing Techniques for
/// Sentence-Level BLEU").
/// </summary>
public enum BleuSmoothing
{
    /// <summary>sacreBLEU's <c>exp</c> (its default): NIST's geometric smoothing, as in <c>mteval-v13a.pl</c>.</summary>
    Exponential = 0,

    /// <summary>sacreBLEU's <c>none</c>: no smoothing; any order with no match makes the score zero.</summary>
    None = 1,

    /// <summary>
    /// sacreBLEU's <c>floor</c>: an order with no match gets <see cref="BleuOptions.SmoothingValue"/> (default 0.1)
    /// matches.
    /// </summary>
    Floor = 2,

    /// <summary>
    /// sacreBLEU's <c>add-k</c>: adds <see cref="BleuOptions.SmoothingValue"/> (default 1) to the matches and
    /// totals of every order above one.
    /// </summary>
    AddK = 3,
}
