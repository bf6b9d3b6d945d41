namespace Llm.Stack.Evaluation;

/// <summary>The exception thrown when a fine-tuning dataset does not pass validation; <see cref="Issues"/> lists every problem.</summary>
public sealed class FineTuningDatasetException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="FineTuningDatasetException"/> class.</summary>
    public FineTuningDatasetException()
        : this([])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuningDatasetException"/> class.</summary>
    /// <param name="message">The message.</param>
    public FineTuningDatasetException(string message)
        : base(message)
    {
        Issues = [];
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuningDatasetException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public FineTuningDatasetException(string message, Exception innerException)
        : base(message, innerException)
    {
        Issues = [];
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuningDatasetException"/> class from the problems found.</summary>
    /// <param name="issues">The problems.</param>
    public FineTuningDatasetException(IReadOnlyList<FineTuningIssue> issues)
        : base(Describe(issues))
    {
        Issues = issues;
    }

    /// <summary>Gets the problems found.</summary>
    public IReadOnlyList<FineTuningIssue> Issues { get; }

    private static string Describe(IReadOnlyList<FineTuningIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var shown = issues.Take(20).Select(i => i.ExampleIndex >= 0 ? $"example {i.ExampleIndex}: {i.Problem}" : i.Problem);
        var more = issues.Count > 20 ? $"; and {issues.Count - 20} more" : string.Empty;
        return $"The fine-tuning dataset is not valid ({issues.Count} problem(s)): {string.Join("; ", shown)}{more}.";
    }
}
