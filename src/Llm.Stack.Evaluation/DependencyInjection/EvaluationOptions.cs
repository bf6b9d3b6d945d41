namespace Llm.Stack.Evaluation;

/// <summary>Options of <c>builder.AddEvaluation(...)</c>: the settings of the registered scorers, evaluators and harness.</summary>
/// <remarks>Read once, when <c>AddEvaluation</c> runs its configure callback.</remarks>
public sealed class EvaluationOptions
{
    /// <summary>Gets the options of the registered <see cref="BleuScorer"/> and <see cref="BleuEvaluator"/>.</summary>
    /// <value>sacreBLEU's defaults.</value>
    public BleuOptions Bleu { get; } = new();

    /// <summary>Gets the ROUGE types of the registered <see cref="RougeScorer"/> and <see cref="RougeEvaluator"/>.</summary>
    /// <value>The default types are <c>rouge1</c>, <c>rouge2</c>, <c>rougeL</c> and <c>rougeLsum</c>.</value>
    public IList<string> RougeTypes { get; } = ["rouge1", "rouge2", "rougeL", "rougeLsum"];

    /// <summary>Gets or sets a value indicating whether ROUGE stems tokens with the Porter stemmer.</summary>
    /// <value>The default value is <see langword="false"/> (rouge-score's default).</value>
    public bool UseStemmer { get; set; }

    /// <summary>Gets or sets the cut-off k of the registered <see cref="RetrievalEvaluator"/>.</summary>
    /// <value>The default value is 5.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int RetrievalK { get; set => field = OptionRange.Check(value, 1); } = 5;

    /// <summary>Gets or sets how the registered <see cref="RetrievalEvaluator"/> matches retrieved chunks with judgments.</summary>
    /// <value>The default value is <see cref="RetrievalMatch.DocumentId"/>.</value>
    public RetrievalMatch RetrievalMatch { get; set; }

    /// <summary>
    /// Gets the options of the registered <see cref="ModelComparisonHarness"/>. When its
    /// <see cref="ModelComparisonOptions.Evaluators"/> is <see langword="null"/>, the harness uses every registered
    /// <see cref="Microsoft.Extensions.AI.Evaluation.IEvaluator"/>.
    /// </summary>
    public ModelComparisonOptions Comparison { get; } = new();
}
