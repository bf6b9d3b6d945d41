using System.Text;
using Llm.Stack;

namespace Llm.Stack.Tests.Readers;

public class CsvRecordReaderTests
{
    [Fact]
    public async Task Rfc4180_quotes_multiline_fields_and_crlf()
    {
        var options = new CsvRecordReaderOptions { IdField = "id" };
        options.TextFields.Add("title");
        options.TextFields.Add("body");
        options.MetadataFields.Add("author");
        string csv = "id,title,body,author\r\n" +
                     "1,Plain,Simple body,ann\r\n" +
                     "2,\"Comma, inside\",\"Line one\r\nLine \"\"two\"\"\",\"bo\"\"b\"\r\n" +
                     "\r\n" +
                     "3,,\"\",\r\n";

        List<Document> documents = await Read(new CsvRecordReader(options), csv);

        Assert.Equal(["t.csv/1", "t.csv/2", "t.csv/3"], documents.Select(d => d.Id));
        Assert.Equal("Plain\n\nSimple body", documents[0].Text);
        Assert.Equal("Comma, inside\n\nLine one\r\nLine \"two\"", documents[1].Text);
        Assert.Equal("bo\"b", documents[1].Metadata["author"]);
        Assert.Equal(string.Empty, documents[2].Text);
        Assert.Equal(2L, documents[2].Metadata[RecordReaderOptions.RecordIndexMetadataKey]);
        Assert.Equal("text/csv", documents[0].MediaType);
    }

    [Fact]
    public async Task Default_text_is_every_column_and_short_rows_are_padded()
    {
        List<Document> documents = await Read(new CsvRecordReader(), "name,city,note\nAnn,Oslo\nBob,,hi\n");

        Assert.Equal(["t.csv/0", "t.csv/1"], documents.Select(d => d.Id));
        Assert.Equal("name: Ann\ncity: Oslo", documents[0].Text);
        Assert.Equal("name: Bob\nnote: hi", documents[1].Text);
    }

    [Fact]
    public async Task Other_delimiters_and_no_header_row()
    {
        var options = new CsvRecordReaderOptions { Delimiter = ';', HasHeaderRow = false };
        options.TextFields.Add("column2");

        List<Document> documents = await Read(new CsvRecordReader(options), "a;\"b;c\"\nd;e");

        Assert.Equal(["b;c", "e"], documents.Select(d => d.Text));
    }

    [Theory]
    [InlineData("a,b\n1,\"open\n2,3\n", "not closed")]
    [InlineData("a,b\n1,\"x\"y\n", "after the closing quote")]
    [InlineData("a,b\n1,2,3\n", "has 3 fields")]
    public async Task Malformed_csv_names_the_problem_and_the_line(string csv, string problem)
    {
        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => Read(new CsvRecordReader(), csv));

        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_configured_column_is_reported()
    {
        var options = new CsvRecordReaderOptions();
        options.TextFields.Add("missing");

        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => Read(new CsvRecordReader(options), "a,b\n1,2\n"));
        Assert.Contains("'missing'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_and_invalid_utf8_are_rejected()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadBytes(new CsvRecordReader(), [(byte)'a', (byte)',', 0, (byte)'\n']));
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadBytes(new CsvRecordReader(), [(byte)'a', (byte)'\n', 0xFF, (byte)'\n']));
    }

    [Fact]
    public async Task An_unbalanced_quote_does_not_buffer_the_whole_file()
    {
        var options = new CsvRecordReaderOptions { MaxRecordLength = 1000 };
        string csv = "a\n\"" + new string('x', 5000);

        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => Read(new CsvRecordReader(options), csv));
        Assert.Contains("longer than 1000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Large_csv_is_streamed_record_by_record()
    {
        using var stream = new GeneratedStream(i => Encoding.UTF8.GetBytes(i == 0 ? "id,text\n" : $"{i},\"row {i}, {new string('y', 100)}\"\n"), count: 200_000);
        int seen = 0;
        await foreach (Document d in new CsvRecordReader().ReadAsync(stream, new DocumentReadContext("big.csv")))
        {
            if (++seen == 10)
            {
                break;
            }
        }

        Assert.True(stream.Produced < 1_000, $"the reader pulled {stream.Produced} records to return 10");
    }

    [Fact]
    public async Task Empty_content_yields_no_documents()
    {
        Assert.Empty(await Read(new CsvRecordReader(), string.Empty));
        Assert.Empty(await Read(new CsvRecordReader(), "only,header\n"));
    }

    [Fact]
    public void Options_validate_their_values()
    {
        var options = new CsvRecordReaderOptions();
        Assert.Throws<ArgumentException>(() => options.Delimiter = '"');
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRecordLength = 0);
        Assert.Throws<ArgumentNullException>(() => options.TextSeparator = null!);
        Assert.Throws<ArgumentException>(() => options.IdField = " ");
    }

    private static Task<List<Document>> Read(IDocumentReader reader, string content) => ReadBytes(reader, Encoding.UTF8.GetBytes(content));

    private static async Task<List<Document>> ReadBytes(IDocumentReader reader, byte[] content)
    {
        using var stream = new MemoryStream(content);
        List<Document> documents = await reader.ReadAsync(stream, new DocumentReadContext("t.csv")).ToListAsync();
        Assert.True(stream.CanRead);
        return documents;
    }
}
