namespace Llm.Stack;

/// <summary>Where <see cref="PiiDetector"/> found one item of personal data or one secret in a text.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Start">The index of its first character in the text.</param>
/// <param name="Length">Its length in characters.</param>
public readonly record struct PiiMatch(PiiKind Kind, int Start, int Length)
{
    /// <summary>Gets the index just past the match's last character.</summary>
    public int End => Start + Length;
}
