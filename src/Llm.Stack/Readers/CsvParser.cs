using System.Globalization;
using System.Text;

namespace Llm.Stack;

/// <summary>An incremental RFC 4180 parser over a <see cref="TextReader"/>: one record per call, bounded memory.</summary>
internal sealed class CsvParser(TextReader reader, char delimiter, int maxRecordLength, string documentId)
{
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private bool _eof;
    private bool _skipLineFeed;
    private long _line = 1;

    /// <summary>Gets the 1-based line on which the last record read starts.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Reads the next non-empty record into <paramref name="fields"/>.</summary>
    /// <returns><see langword="false"/> at the end of the content.</returns>
    public async ValueTask<bool> ReadRecordAsync(List<string> fields, CancellationToken cancellationToken)
    {
        while (true)
        {
            fields.Clear();
            _field.Clear();
            RecordLine = _line;
            int recordLength = 0;
            bool quoted = false;
            bool afterQuote = false;
            bool fieldWasQuoted = false;
            long quoteLine = 0;
            bool any = false;

            while (true)
            {
                if (_position >= _length && !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (quoted && !afterQuote)
                    {
                        throw Invalid($"a quoted field starting on line {quoteLine} is not closed");
                    }

                    if (!any && fields.Count == 0 && _field.Length == 0)
                    {
                        return false;
                    }

                    fields.Add(_field.ToString());
                    return true;
                }

                char c = _buffer[_position++];
                if (_skipLineFeed)
                {
                    _skipLineFeed = false;
                    if (c == '\n')
                    {
                        continue;
                    }
                }

                if (TextDecoding.IsBinaryControl(c))
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"Document '{documentId}' looks binary, not CSV: it contains a control character on line {_line}."));
                }

                if (++recordLength > maxRecordLength)
                {
                    throw Invalid($"the record is longer than {maxRecordLength} characters (is a quote unbalanced?)");
                }

                if (quoted && !afterQuote)
                {
                    if (c == '"')
                    {
                        afterQuote = true;
                    }
                    else
                    {
                        CountLine(c);
                        _field.Append(c);
                    }

                    continue;
                }

                if (afterQuote)
                {
                    afterQuote = false;
                    if (c == '"')
                    {
                        _field.Append('"');
                        continue;
                    }

                    quoted = false;
                    if (c != delimiter && c is not ('\r' or '\n'))
                    {
                        throw Invalid($"unexpected character '{c}' after the closing quote of a field");
                    }
                }

                any = true;
                if (c == delimiter)
                {
                    fields.Add(_field.ToString());
                    _field.Clear();
                    fieldWasQuoted = false;
                }
                else if (c is '\r' or '\n')
                {
                    _skipLineFeed = c == '\r';
                    _line++;
                    if (fields.Count == 0 && _field.Length == 0 && !fieldWasQuoted)
                    {
                        // An empty line: not a record.
                        break;
                    }

                    fields.Add(_field.ToString());
                    return true;
                }
                else if (c == '"' && _field.Length == 0 && !fieldWasQuoted)
                {
                    quoted = true;
                    fieldWasQuoted = true;
                    quoteLine = _line;
                }
                else
                {
                    // A quote inside an unquoted field is taken literally, as most producers mean it.
                    _field.Append(c);
                }
            }
        }
    }

    private void CountLine(char c)
    {
        if (c == '\n')
        {
            _line++;
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }

        try
        {
            _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
        catch (DecoderFallbackException ex)
        {
            throw TextDecoding.InvalidEncoding(documentId, reader is StreamReader s ? s.CurrentEncoding : Encoding.UTF8, ex);
        }

        _position = 0;
        _eof = _length == 0;
        return !_eof;
    }

    private InvalidDataException Invalid(string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Document '{documentId}' is not valid CSV on line {_line}: {problem}."));
}
