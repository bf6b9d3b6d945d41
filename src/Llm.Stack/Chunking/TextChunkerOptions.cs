using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>The options every Llm.Stack chunker shares: the tokenizer that counts, the token limit and the overlap.</summary>
/// <remarks>
/// Options are read once, when a chunker is constructed; changing them afterwards does not affect that chunker.
/// Not thread-safe while being configured.
/// </remarks>
public class TextChunkerOptions
{
    /// <summary>Gets or sets the tokenizer that chunk sizes are counted with.</summary>
    /// <value>
    /// The tokenizer; <see langword="null"/> for OpenAI's <c>cl100k_base</c> encoding. The default value is
    /// <see langword="null"/>.
    /// </value>
    public Tokenizer? Tokenizer { get; set; }

    /// <summary>Gets or sets the maximum number of tokens of a chunk, as counted by <see cref="Tokenizer"/>.</summary>
    /// <value>The maximum number of tokens, at least 4. The default value is 512.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 4.</exception>
    /// <remarks>
    /// The lower bound of 4 is the most tokens a byte-level BPE tokenizer needs for one Unicode code point, the
    /// smallest unit a chunk boundary can fall on.
    /// </remarks>
    public int MaxTokens { get; set => field = OptionRange.Check(value, 4); } = 512;

    /// <summary>Gets or sets the number of tokens at the end of a chunk that the next chunk repeats.</summary>
    /// <value>The overlap in tokens, less than <see cref="MaxTokens"/>. The default value is 0.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    /// <remarks>Chunkers check that the overlap is less than <see cref="MaxTokens"/> when they are constructed.</remarks>
    public int OverlapTokens { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Checks the options together and returns the tokenizer to use.</summary>
    /// <param name="parameterName">The name of the options parameter, for the exception.</param>
    /// <returns>The configured tokenizer, or the default one.</returns>
    /// <exception cref="ArgumentException"><see cref="OverlapTokens"/> is not less than <see cref="MaxTokens"/>.</exception>
    internal Tokenizer Validate(string parameterName)
    {
        if (OverlapTokens >= MaxTokens)
        {
            throw new ArgumentException(
                $"{nameof(OverlapTokens)} ({OverlapTokens}) must be less than {nameof(MaxTokens)} ({MaxTokens}).", parameterName);
        }

        return Tokenizer ?? ChunkingTokenizers.Cl100kBase;
    }
}
