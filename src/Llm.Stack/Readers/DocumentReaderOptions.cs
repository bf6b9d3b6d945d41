using System.Text;

namespace Llm.Stack;

/// <summary>Options of the built-in readers registered by <c>builder.AddDocumentReaders(...)</c>.</summary>
/// <remarks>Read once, when the readers are first resolved.</remarks>
public sealed class DocumentReaderOptions
{
    /// <summary>Gets or sets the encoding of text content (plain text, Markdown, HTML, CSV) that has no byte-order mark.</summary>
    /// <value>The default value is <see langword="null"/>: strict UTF-8, invalid bytes rejected.</value>
    public Encoding? TextEncoding { get; set; }

    /// <summary>Gets the options of the JSON / JSON Lines reader.</summary>
    public JsonRecordReaderOptions Json { get; } = new();

    /// <summary>Gets the options of the CSV reader.</summary>
    public CsvRecordReaderOptions Csv { get; } = new();
}
