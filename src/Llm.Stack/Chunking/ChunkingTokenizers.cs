using Microsoft.ML.Tokenizers;

namespace Llm.Stack;

/// <summary>The tokenizers chunkers count with by default, created once and shared.</summary>
/// <remarks>The tokenizers are immutable and safe to use from several threads.</remarks>
public static class ChunkingTokenizers
{
    private static readonly Lazy<Tokenizer> _cl100kBase = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));
    private static readonly Lazy<Tokenizer> _o200kBase = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>Gets OpenAI's <c>cl100k_base</c> encoding (GPT-4, GPT-3.5, text-embedding-3), the default of every chunker.</summary>
    public static Tokenizer Cl100kBase => _cl100kBase.Value;

    /// <summary>Gets OpenAI's <c>o200k_base</c> encoding (GPT-4o and later).</summary>
    public static Tokenizer O200kBase => _o200kBase.Value;
}
