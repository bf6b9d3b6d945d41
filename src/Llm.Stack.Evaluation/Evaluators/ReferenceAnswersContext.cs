using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace Llm.Stack.Evaluation;

/// <summary>
/// The reference (ground-truth) answers that the reference-based evaluators of this package (<see cref="BleuEvaluator"/>,
/// <see cref="RougeEvaluator"/>, <see cref="ExactMatchEvaluator"/>, <see cref="TokenF1Evaluator"/>) compare a response
/// with. Pass it in <c>additionalContext</c> of <see cref="IEvaluator.EvaluateAsync"/>.
/// </summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class ReferenceAnswersContext : EvaluationContext
{
    /// <summary>The name of this context, as recorded in <see cref="EvaluationMetric.Context"/>.</summary>
    public const string ReferenceAnswersContextName = "Reference answers";

    /// <summary>Initializes a new instance of the <see cref="ReferenceAnswersContext"/> class.</summary>
    /// <param name="references">The reference answers; at least one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="references"/> or one of its items is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="references"/> is empty.</exception>
    public ReferenceAnswersContext(IEnumerable<string> references)
        : base(ReferenceAnswersContextName, ToContents(references, out var list))
    {
        References = list;
    }

    /// <summary>Initializes a new instance of the <see cref="ReferenceAnswersContext"/> class.</summary>
    /// <param name="references">The reference answers; at least one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="references"/> or one of its items is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="references"/> is empty.</exception>
    public ReferenceAnswersContext(params string[] references)
        : this((IEnumerable<string>)references)
    {
    }

    /// <summary>Gets the reference answers.</summary>
    public IReadOnlyList<string> References { get; }

    internal static IReadOnlyList<string>? Find(IEnumerable<EvaluationContext>? additionalContext) =>
        additionalContext?.OfType<ReferenceAnswersContext>().FirstOrDefault()?.References;

    private static IList<AIContent> ToContents(IEnumerable<string> references, out IReadOnlyList<string> list)
    {
        ArgumentNullException.ThrowIfNull(references);
        var copy = references.ToArray();
        if (copy.Length == 0)
        {
            throw new ArgumentException("At least one reference answer is required.", nameof(references));
        }

        if (Array.Exists(copy, r => r is null))
        {
            throw new ArgumentNullException(nameof(references), "A reference answer is null.");
        }

        list = copy;
        return [.. copy.Select(r => (AIContent)new TextContent(r))];
    }
}
