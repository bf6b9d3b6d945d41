using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Llm.Stack;

/// <summary>Reads CSV (RFC 4180) into one document per record, with chosen text and metadata columns.</summary>
/// <remarks>
/// <para>
/// Fields are separated by <see cref="CsvRecordReaderOptions.Delimiter"/>; a field in double quotes may hold
/// delimiters, line breaks and doubled quotes (<c>""</c>). Records end at CR LF, LF or CR; empty lines are
/// skipped. The first record names the columns unless <see cref="CsvRecordReaderOptions.HasHeaderRow"/> is
/// <see langword="false"/>. A record with fewer fields than the header has the missing ones empty; one with more,
/// an unterminated quoted field, a character after a closing quote, or binary content raises
/// <see cref="InvalidDataException"/> naming the line (documents before it have already been returned).
/// </para>
/// <para>
/// The content is decoded and parsed incrementally, one record at a time, so memory is bounded by
/// <see cref="RecordReaderOptions.MaxRecordLength"/>, not by the file. Encoding is detected as by
/// <see cref="PlainTextReader"/>. Each document's id is derived from the context id and the record index or
/// <see cref="RecordReaderOptions.IdField"/>.
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class CsvRecordReader : IDocumentReader
{
    private readonly string[] _textFields;
    private readonly string[] _metadataFields;
    private readonly CsvRecordReaderOptions _options;
    private readonly Encoding? _encoding;

    /// <summary>Initializes a new instance of the <see cref="CsvRecordReader"/> class.</summary>
    /// <param name="options">The dialect and the columns to read; <see langword="null"/> for the defaults.</param>
    /// <param name="encoding">The encoding of content without a byte-order mark; <see langword="null"/> for strict UTF-8.</param>
    public CsvRecordReader(CsvRecordReaderOptions? options = null, Encoding? encoding = null)
    {
        options ??= new CsvRecordReaderOptions();
        _textFields = [.. options.TextFields];
        _metadataFields = [.. options.MetadataFields];
        _options = new CsvRecordReaderOptions
        {
            IdField = options.IdField,
            TextSeparator = options.TextSeparator,
            MaxRecordLength = options.MaxRecordLength,
            Delimiter = options.Delimiter,
            HasHeaderRow = options.HasHeaderRow,
        };
        _encoding = encoding;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [DocumentMediaTypes.Csv];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        using StreamReader reader = TextDecoding.CreateReader(content, _encoding);
        var parser = new CsvParser(reader, _options.Delimiter, _options.MaxRecordLength, context.DocumentId);
        var fields = new List<string>();
        string[]? header = null;
        long index = 0;
        while (await parser.ReadRecordAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            if (header is null)
            {
                if (_options.HasHeaderRow)
                {
                    header = [.. fields.Select(f => f.Trim())];
                    CheckColumns(header, context.DocumentId);
                    continue;
                }

                header = [.. Enumerable.Range(1, fields.Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"column{i}"))];
            }

            if (fields.Count > header.Length)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Record {index} of document '{context.DocumentId}' (line {parser.RecordLine}) has {fields.Count} fields; the header has {header.Length}."));
            }

            yield return ToDocument(header, fields, index, context);
            index++;
        }
    }

    private void CheckColumns(string[] header, string documentId)
    {
        foreach (string column in _textFields.Concat(_metadataFields).Concat(_options.IdField is null ? [] : [_options.IdField]))
        {
            if (!header.Contains(column, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"Document '{documentId}' has no column '{column}'. Its columns: {string.Join(", ", header)}.");
            }
        }
    }

    private Document ToDocument(string[] header, List<string> fields, long index, DocumentReadContext context)
    {
        string Value(string column)
        {
            int i = Array.IndexOf(header, column);
            return i >= 0 && i < fields.Count ? fields[i] : string.Empty;
        }

        var text = new StringBuilder();
        if (_textFields.Length == 0)
        {
            for (int i = 0; i < fields.Count; i++)
            {
                if (fields[i].Length > 0)
                {
                    text.Append(text.Length > 0 ? "\n" : string.Empty).Append(header[i]).Append(": ").Append(fields[i]);
                }
            }
        }
        else
        {
            foreach (string column in _textFields)
            {
                string value = Value(column);
                if (value.Length > 0)
                {
                    text.Append(text.Length > 0 ? _options.TextSeparator : string.Empty).Append(value);
                }
            }
        }

        Dictionary<string, object?> metadata = ReaderText.NewMetadata(context);
        metadata[RecordReaderOptions.RecordIndexMetadataKey] = index;
        foreach (string column in _metadataFields)
        {
            metadata[column] = Value(column);
        }

        return new Document(_options.RecordId(context, index, _options.IdField is { } id ? Value(id) : null), text.ToString())
        {
            Source = context.Source,
            MediaType = DocumentMediaTypes.Csv,
            Metadata = metadata,
        };
    }
}
