namespace Llm.Stack;

/// <summary>Keys of <see cref="Document.Metadata"/> entries that the built-in readers set.</summary>
public static class DocumentMetadataKeys
{
    /// <summary>
    /// The key of the text encoding a reader decoded the content with, as a web name (<c>utf-8</c>, <c>utf-16</c>,
    /// <c>windows-1252</c> …), when the reader detected it (no encoding was given to the reader).
    /// </summary>
    /// <remarks>
    /// Detection: a byte-order mark decides; without one, UTF-8; content that is not valid UTF-8 is read as
    /// Windows-1252, which decodes every byte (Latin-1 text reads correctly).
    /// </remarks>
    public const string TextEncoding = "text.encoding";
}
