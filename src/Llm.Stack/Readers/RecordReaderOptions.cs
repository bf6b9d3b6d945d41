namespace Llm.Stack;

/// <summary>Options shared by the record readers (<see cref="JsonRecordReader"/>, <see cref="CsvRecordReader"/>): which fields make the text, the metadata and the id of each record's document.</summary>
/// <remarks>Configure before the reader is created; the reader copies them and later changes have no effect on it.</remarks>
public abstract class RecordReaderOptions
{
    /// <summary>Initializes a new instance of the <see cref="RecordReaderOptions"/> class; only the readers' own option types derive from it.</summary>
    private protected RecordReaderOptions()
    {
    }

    /// <summary>Gets the fields whose values make a record's text, in order. For JSON, a dotted path reaches into nested objects (<c>body.text</c>).</summary>
    /// <value>
    /// The default value is an empty list: the text is every field of the record as <c>name: value</c> lines, so that
    /// nothing is lost when the fields are not known.
    /// </value>
    /// <remarks>A field missing from a record contributes nothing; values are joined with <see cref="TextSeparator"/>.</remarks>
    public IList<string> TextFields { get; } = [];

    /// <summary>Gets the fields copied into each document's metadata, under the field's name.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> MetadataFields { get; } = [];

    /// <summary>Gets or sets the field that identifies a record.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: a record's document id is <c>{context id}/{record index}</c>
    /// (0-based). When set, it is <c>{context id}/{field value}</c>, and a record without a value for it is invalid.
    /// </value>
    public string? IdField
    {
        get;
        set => field = OptionText.NullOrNotBlank(value);
    }

    /// <summary>Gets or sets the separator between the values of several <see cref="TextFields"/>.</summary>
    /// <value>The default value is <c>"\n\n"</c>, so that each field is a paragraph.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public string TextSeparator
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = "\n\n";

    /// <summary>Gets or sets the maximum length of one record, in characters (CSV) or UTF-8 bytes (JSON).</summary>
    /// <value>
    /// The default value is 16 Mi. A longer record is invalid. The CSV reader checks while reading, so that an
    /// unterminated quote cannot make it buffer the rest of a large file; the JSON reader checks each parsed record.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxRecordLength { get; set => field = OptionRange.Check(value, 1); } = 16 * 1024 * 1024;

    /// <summary>The metadata key of a record's 0-based index in its source.</summary>
    public const string RecordIndexMetadataKey = "record.index";

    /// <summary>Builds the id of a record's document.</summary>
    internal string RecordId(DocumentReadContext context, long index, string? idValue)
    {
        if (IdField is null)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{context.DocumentId}/{index}");
        }

        if (string.IsNullOrWhiteSpace(idValue))
        {
            throw new InvalidDataException($"Record {index} of document '{context.DocumentId}' has no value for its id field '{IdField}'.");
        }

        return $"{context.DocumentId}/{idValue}";
    }
}
