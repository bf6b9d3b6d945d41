using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>
/// What an embedding generator accepts per input: the tokenizer it counts with and the number of tokens past which
/// it truncates. A generator that knows its limits returns an instance from
/// <c>GetService(typeof(EmbeddingInputLimits))</c>, so that chunkers can size chunks that are never silently
/// truncated.
/// </summary>
/// <remarks>Instances are immutable; the tokenizer must be safe to use from several threads.</remarks>
public sealed class EmbeddingInputLimits
{
    /// <summary>Initializes a new instance of the <see cref="EmbeddingInputLimits"/> class.</summary>
    /// <param name="tokenizer">The tokenizer the generator counts with, counting content tokens only (no special tokens).</param>
    /// <param name="maxInputTokens">The number of content tokens the generator embeds before truncating (special tokens such as [CLS] and [SEP] excluded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="tokenizer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxInputTokens"/> is zero or negative.</exception>
    public EmbeddingInputLimits(Tokenizer tokenizer, int maxInputTokens)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInputTokens);
        Tokenizer = tokenizer;
        MaxInputTokens = maxInputTokens;
    }

    /// <summary>Gets the tokenizer the generator counts with (content tokens only).</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Gets the number of content tokens the generator embeds before truncating.</summary>
    public int MaxInputTokens { get; }
}
