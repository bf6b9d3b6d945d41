namespace Llm.Stack;

/// <summary>Options of a <see cref="CsvRecordReader"/>.</summary>
/// <remarks>Configure before the reader is created; the reader copies them and later changes have no effect on it.</remarks>
public sealed class CsvRecordReaderOptions : RecordReaderOptions
{
    /// <summary>Gets or sets the character between fields.</summary>
    /// <value>The default value is <c>,</c>. Use <c>;</c> or a tab for other dialects.</value>
    /// <exception cref="ArgumentException">The value is a quote, a carriage return or a line feed.</exception>
    public char Delimiter
    {
        get;
        set
        {
            if (value is '"' or '\r' or '\n')
            {
                throw new ArgumentException("The delimiter cannot be a quote or a line break.", nameof(value));
            }

            field = value;
        }
    } = ',';

    /// <summary>Gets or sets a value indicating whether the first record holds the column names.</summary>
    /// <value>
    /// The default value is <see langword="true"/>. Without a header row the columns are named <c>column1</c>,
    /// <c>column2</c>, and so on.
    /// </value>
    public bool HasHeaderRow { get; set; } = true;
}
