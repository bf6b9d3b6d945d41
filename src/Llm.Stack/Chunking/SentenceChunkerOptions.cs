namespace Llm.Stack;

/// <summary>Options for <see cref="SentenceChunker"/>.</summary>
/// <remarks>Read once by the chunker's constructor. Not thread-safe while being configured.</remarks>
public sealed class SentenceChunkerOptions : TextChunkerOptions
{
    /// <summary>Gets or sets the abbreviations (without their final period, compared case-insensitively) after which a period does not end a sentence.</summary>
    /// <value>
    /// The abbreviations. The default value holds common English titles and Latin abbreviations such as <c>Dr</c>,
    /// <c>Mr</c>, <c>e.g</c>, <c>i.e</c>, <c>vs</c>, <c>U.S</c> and <c>Fig</c>. Single capital letters (initials) and
    /// dotted letter sequences such as <c>U.S.A.</c> never end a sentence either.
    /// </value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public IReadOnlyCollection<string> Abbreviations
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = [.. value];
        }
    } = SentenceSplitter.DefaultAbbreviations;
}
