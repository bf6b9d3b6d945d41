using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Llm.Stack;

/// <summary>Reads JSON records into one document each: a JSON array of records, one JSON value, or JSON Lines.</summary>
/// <remarks>
/// <para>
/// Content whose first character is <c>[</c> (and whose media type is not JSON Lines) is an array of records;
/// otherwise it is a sequence of JSON values separated by white space, which covers JSON Lines
/// (<c>application/jsonl</c>, <c>application/x-ndjson</c>) and a single object. Records are read one at a
/// time (memory bounded by the largest record, not by the file). A record is an object (its fields chosen by
/// <see cref="RecordReaderOptions.TextFields"/> and <see cref="RecordReaderOptions.MetadataFields"/>) or a
/// string (the text). Each document's id is derived from the context id and the record index or
/// <see cref="RecordReaderOptions.IdField"/>; its metadata holds the context metadata, the chosen fields and
/// <see cref="RecordReaderOptions.RecordIndexMetadataKey"/>.
/// </para>
/// <para>
/// Malformed JSON, content that is not UTF-8 JSON, and records of other kinds raise
/// <see cref="InvalidDataException"/> naming the record (documents before it have already been returned).
/// </para>
/// <para>This type is thread-safe: one instance may read many streams concurrently.</para>
/// </remarks>
public sealed class JsonRecordReader : IDocumentReader
{
    private static readonly JsonSerializerOptions SerializerOptions = new() { MaxDepth = 256 };

    private readonly string[] _textFields;
    private readonly string[] _metadataFields;
    private readonly JsonRecordReaderOptions _options;

    /// <summary>Initializes a new instance of the <see cref="JsonRecordReader"/> class.</summary>
    /// <param name="options">The fields to read; <see langword="null"/> for the defaults.</param>
    public JsonRecordReader(JsonRecordReaderOptions? options = null)
    {
        options ??= new JsonRecordReaderOptions();
        _textFields = [.. options.TextFields];
        _metadataFields = [.. options.MetadataFields];
        _options = new JsonRecordReaderOptions
        {
            IdField = options.IdField,
            TextSeparator = options.TextSeparator,
            MaxRecordLength = options.MaxRecordLength,
        };
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MediaTypes { get; } = [DocumentMediaTypes.Json, DocumentMediaTypes.JsonLines, DocumentMediaTypes.NdJson];

    /// <inheritdoc />
    public async IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);

        (int first, Stream stream) = await PrefixedStream.PeekFirstNonWhiteSpaceAsync(content, cancellationToken).ConfigureAwait(false);
        if (first < 0)
        {
            yield break;
        }

        if (first is 0xFE or 0xFF or 0)
        {
            throw new InvalidDataException($"Document '{context.DocumentId}' is not UTF-8 JSON (it looks like UTF-16/32 or binary content).");
        }

        string? mediaType = context.MediaType is null ? null : DocumentMediaTypes.Normalize(context.MediaType);
        if (mediaType is DocumentMediaTypes.JsonLines or DocumentMediaTypes.NdJson)
        {
            await foreach (Document document in ReadLinesAsync(stream, context, cancellationToken).ConfigureAwait(false))
            {
                yield return document;
            }

            yield break;
        }

        bool topLevelValues = first != '[';
        IAsyncEnumerator<JsonElement> records = JsonSerializer
            .DeserializeAsyncEnumerable<JsonElement>(stream, topLevelValues, SerializerOptions, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        await using (records.ConfigureAwait(false))
        {
            long index = 0;
            while (true)
            {
                bool more;
                try
                {
                    more = await records.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or DecoderFallbackException)
                {
                    string where = ex is JsonException { LineNumber: long line } ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}") : string.Empty;
                    throw new InvalidDataException($"Document '{context.DocumentId}' is not valid JSON{where}, in or after record {index}: {ex.Message}", ex);
                }

                if (!more)
                {
                    break;
                }

                yield return ToDocument(records.Current, index, context, line: null);
                index++;
            }
        }
    }

    // JSON Lines are split here rather than by the serializer, so that each line is parsed on its own: an error names
    // its line, every record before it has been returned, and memory is bounded by MaxRecordLength.
    private async IAsyncEnumerable<Document> ReadLinesAsync(Stream stream, DocumentReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        int count = 0;
        int scanned = 0;
        long lineNumber = 0;
        long index = 0;
        bool eof = false;
        while (true)
        {
            int newline = buffer.AsSpan(scanned, count - scanned).IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                scanned = count;
                if (count == buffer.Length)
                {
                    if (buffer.Length >= _options.MaxRecordLength)
                    {
                        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                            $"Line {lineNumber + 1} of document '{context.DocumentId}' is longer than {_options.MaxRecordLength} bytes."));
                    }

                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, _options.MaxRecordLength));
                }

                int read = await stream.ReadAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                eof = read == 0;
                count += read;
                continue;
            }

            int lineLength = newline < 0 ? count : scanned + newline;
            lineNumber++;
            ReadOnlyMemory<byte> line = TrimLine(buffer.AsMemory(0, lineLength), lineNumber == 1);
            if (line.Length > 0)
            {
                Document document;
                try
                {
                    using JsonDocument json = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 256 });
                    document = ToDocument(json.RootElement, index, context, lineNumber);
                }
                catch (JsonException ex)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"Line {lineNumber} of document '{context.DocumentId}' (record {index}) is not valid JSON: {ex.Message}"), ex);
                }

                yield return document;
                index++;
            }

            if (newline < 0)
            {
                yield break;
            }

            int consumed = lineLength + 1;
            Buffer.BlockCopy(buffer, consumed, buffer, 0, count - consumed);
            count -= consumed;
            scanned = 0;
        }
    }

    private static ReadOnlyMemory<byte> TrimLine(ReadOnlyMemory<byte> line, bool first)
    {
        ReadOnlySpan<byte> span = line.Span;
        int start = first && span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        int end = span.Length;
        while (start < end && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            start++;
        }

        while (end > start && span[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            end--;
        }

        return line[start..end];
    }

    private Document ToDocument(JsonElement record, long index, DocumentReadContext context, long? line)
    {
        try
        {
            return ToDocumentCore(record, index, context);
        }
        catch (InvalidOperationException ex)
        {
            string where = line is { } l ? string.Create(CultureInfo.InvariantCulture, $" (line {l})") : string.Empty;
            throw new InvalidDataException($"Record {index}{where} of document '{context.DocumentId}' is not valid UTF-8 JSON: {ex.Message}", ex);
        }
    }

    private Document ToDocumentCore(JsonElement record, long index, DocumentReadContext context)
    {
        Dictionary<string, object?> metadata = TextContent.NewMetadata(context);
        metadata[RecordReaderOptions.RecordIndexMetadataKey] = index;
        string text;
        string? idValue = null;
        if (record.ValueKind == JsonValueKind.String)
        {
            text = record.GetString()!;
        }
        else if (record.ValueKind == JsonValueKind.Object)
        {
            if (record.GetRawText().Length > _options.MaxRecordLength)
            {
                throw new InvalidDataException($"Record {index} of document '{context.DocumentId}' is longer than {_options.MaxRecordLength} characters.");
            }

            text = _textFields.Length == 0 ? AllFields(record) : ChosenFields(record);
            foreach (string field in _metadataFields)
            {
                if (TryGetPath(record, field, out JsonElement value))
                {
                    metadata[field] = ToMetadataValue(value);
                }
            }

            if (_options.IdField is { } idField && TryGetPath(record, idField, out JsonElement id))
            {
                idValue = id.ValueKind == JsonValueKind.String ? id.GetString() : id.ValueKind is JsonValueKind.Number ? id.GetRawText() : null;
            }
        }
        else
        {
            throw new InvalidDataException($"Record {index} of document '{context.DocumentId}' is a JSON {record.ValueKind}; a record must be an object or a string.");
        }

        return new Document(_options.RecordId(context, index, idValue), text)
        {
            Source = context.Source,
            MediaType = context.MediaType is { } mt && !string.IsNullOrWhiteSpace(mt) ? DocumentMediaTypes.Normalize(mt) : DocumentMediaTypes.Json,
            Metadata = metadata,
        };
    }

    private string ChosenFields(JsonElement record)
    {
        var builder = new StringBuilder();
        foreach (string field in _textFields)
        {
            if (TryGetPath(record, field, out JsonElement value) && ToText(value) is { Length: > 0 } text)
            {
                if (builder.Length > 0)
                {
                    builder.Append(_options.TextSeparator);
                }

                builder.Append(text);
            }
        }

        return builder.ToString();
    }

    private static string AllFields(JsonElement record)
    {
        var builder = new StringBuilder();
        foreach (JsonProperty property in record.EnumerateObject())
        {
            if (ToText(property.Value) is { Length: > 0 } text)
            {
                if (builder.Length > 0)
                {
                    builder.Append('\n');
                }

                builder.Append(property.Name).Append(": ").Append(text);
            }
        }

        return builder.ToString();
    }

    private static bool TryGetPath(JsonElement record, string path, out JsonElement value)
    {
        if (record.TryGetProperty(path, out value))
        {
            return true;
        }

        value = record;
        foreach (string part in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                return false;
            }
        }

        return true;
    }

    private static string ToText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            string.Join("\n", value.EnumerateArray().Select(e => e.GetString())),
        _ => value.GetRawText(),
    };

    private static object? ToMetadataValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Number when value.TryGetInt64(out long l) => l,
        JsonValueKind.Number => value.GetDouble(),
        _ => value.GetRawText(),
    };
}
