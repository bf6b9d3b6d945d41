namespace Llm.Stack;

/// <summary>Options for <see cref="StructureChunker"/>.</summary>
/// <remarks>Read once by the chunker's constructor. Not thread-safe while being configured.</remarks>
public sealed class StructureChunkerOptions : TextChunkerOptions
{
    /// <summary>Gets or sets a value indicating whether each chunk's text starts with its section path (<c>"A &gt; B"</c> and a blank line).</summary>
    /// <value>
    /// <see langword="true"/> to prefix the section path, counted in <see cref="TextChunkerOptions.MaxTokens"/>; a prefix
    /// that would take more than half the limit is left out. The default value is <see langword="false"/>.
    /// </value>
    public bool IncludeHeadingPrefix { get; set; }

    /// <summary>Gets or sets a value indicating whether a table split over several chunks repeats its header row in each.</summary>
    /// <value>
    /// <see langword="true"/> to repeat the header row (counted in the limit) in every chunk of a split table that has
    /// one. The default value is <see langword="true"/>.
    /// </value>
    public bool RepeatTableHeader { get; set; } = true;
}
