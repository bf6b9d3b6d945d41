namespace Llm.Stack;

/// <summary>Options for <see cref="RecursiveChunker"/>.</summary>
/// <remarks>Read once by the chunker's constructor. Not thread-safe while being configured.</remarks>
public sealed class RecursiveChunkerOptions : TextChunkerOptions
{
    /// <summary>Gets or sets the separators tried in order, from the coarsest to the finest.</summary>
    /// <value>
    /// A non-empty list of non-empty separators. The default value is a blank line (paragraph), a line break, the
    /// sentence ends <c>". "</c>, <c>"? "</c>, <c>"! "</c>, <c>"; "</c>, and a space (word). A blank line and a line
    /// break also match their CRLF forms. Text that no separator can split is split at token boundaries.
    /// </value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The value is empty or contains an empty separator.</exception>
    public IReadOnlyList<string> Separators
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0 || value.Any(string.IsNullOrEmpty))
            {
                throw new ArgumentException("The separators must be a non-empty list of non-empty strings.", nameof(value));
            }

            field = [.. value];
        }
    } = ["\n\n", "\n", ". ", "? ", "! ", "; ", " "];
}
