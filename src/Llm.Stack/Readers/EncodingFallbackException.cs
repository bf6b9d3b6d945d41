namespace Llm.Stack;

/// <summary>
/// Thrown by <see cref="TextDecoding.ReadSectionsAsync"/> when content read in sections turns out not to be UTF-8 after a
/// section was handed on: the caller reads again from the start as Windows-1252.
/// </summary>
internal sealed class EncodingFallbackException : Exception
{
    public EncodingFallbackException()
        : base("The content is not valid UTF-8; read it again as Windows-1252.")
    {
    }

    public EncodingFallbackException(string message)
        : base(message)
    {
    }

    public EncodingFallbackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
