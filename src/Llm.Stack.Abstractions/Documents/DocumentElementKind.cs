namespace Llm.Stack;

/// <summary>The kind of a <see cref="DocumentElement"/>.</summary>
public enum DocumentElementKind
{
    /// <summary>Running text.</summary>
    Paragraph,

    /// <summary>A heading that opens a section; its level is in <see cref="DocumentElement.HeadingLevel"/>.</summary>
    Heading,

    /// <summary>A table, kept whole or split only between rows.</summary>
    Table,

    /// <summary>A block of code or preformatted text, kept whole where possible.</summary>
    Code,

    /// <summary>An item of a list.</summary>
    ListItem,

    /// <summary>A quotation.</summary>
    Quote,
}
