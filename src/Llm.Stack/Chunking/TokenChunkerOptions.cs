namespace Llm.Stack;

/// <summary>Options for <see cref="TokenChunker"/>.</summary>
/// <remarks>Read once by the chunker's constructor. Not thread-safe while being configured.</remarks>
public sealed class TokenChunkerOptions : TextChunkerOptions
{
}
