using System.Text;
using Llm.Stack;
using static Llm.Stack.Tests.Readers.ReaderTestHelpers;

namespace Llm.Stack.Tests.Readers;

public class PlainTextReaderTests
{
    private const string Sample = "Grüße, 世界 🎉\n\nSecond paragraph\nstill second.\n";

    public static TheoryData<string> Encodings => new() { "utf-8", "utf-16LE", "utf-16BE", "utf-32LE", "utf-32BE" };

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task Byte_order_marks_select_the_encoding(string name)
    {
        Encoding encoding = Encoding.GetEncoding(name);
        byte[] bytes = [.. encoding.GetPreamble(), .. encoding.GetBytes(Sample)];
        Assert.NotEmpty(encoding.GetPreamble());

        Document document = Assert.Single(await ReadAllAsync(new PlainTextReader(), bytes));

        Assert.Equal(Sample, document.Text);
    }

    [Fact]
    public async Task Utf8_without_bom_is_read_and_paragraphs_become_elements()
    {
        Document document = await ReadOneAsync(new PlainTextReader(), "  First line\r\nof the first.\r\n\r\n\r\nSecond.\rThird line\n");

        Assert.Equal("  First line\nof the first.\n\n\nSecond.\nThird line\n", document.Text);
        Assert.Equal(["First line\nof the first.", "Second.\nThird line"], document.Elements.Select(e => TextOf(document, e)));
        Assert.All(document.Elements, e => Assert.Equal(DocumentElementKind.Paragraph, e.Kind));
        Assert.Equal("text/plain", document.MediaType);
        AssertElementsWellFormed(document);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(40_000)]
    public async Task Text_that_is_not_utf8_is_read_as_windows_1252_and_reported(int validPrefixChars)
    {
        // A long valid prefix (with CR LF and characters that are multi-byte in UTF-8, so also in Windows-1252) crosses
        // the decoder's buffer before the first byte that is not UTF-8.
        string prefix = string.Concat(Enumerable.Repeat("Crème brûlée\r\n", (validPrefixChars / 14) + 1));
        Encoding windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
        byte[] bytes = [.. Encoding.UTF8.GetBytes(prefix), .. windows1252.GetBytes("Café crème, 10 € — fin\r\n")];

        Document document = Assert.Single(await ReadAllAsync(new PlainTextReader(), bytes, "notes/latin.txt"));

        Assert.Equal(windows1252.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal), document.Text);
        Assert.Equal("windows-1252", document.Metadata[DocumentMetadataKeys.TextEncoding]);
    }

    [Fact]
    public async Task Utf8_text_is_reported_as_utf8()
    {
        Document document = await ReadOneAsync(new PlainTextReader(), "Grüße");

        Assert.Equal("utf-8", document.Metadata[DocumentMetadataKeys.TextEncoding]);
    }

    [Fact]
    public async Task A_declared_encoding_reads_latin1()
    {
        byte[] bytes = Encoding.Latin1.GetBytes("Café crème");

        Document document = Assert.Single(await ReadAllAsync(new PlainTextReader(Encoding.Latin1), bytes));

        Assert.Equal("Café crème", document.Text);
    }

    [Fact]
    public async Task Binary_content_is_rejected()
    {
        byte[] bytes = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D];
        byte[] textWithNul = [.. "hello"u8.ToArray(), 0, .. "world"u8.ToArray()];

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(new PlainTextReader(), bytes));
        InvalidDataException ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(new PlainTextReader(), textWithNul));
        Assert.Contains("binary", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_content_is_an_empty_document()
    {
        Document document = Assert.Single(await ReadAllAsync(new PlainTextReader(), []));

        Assert.Equal(string.Empty, document.Text);
        Assert.Empty(document.Elements);
    }

    [Fact]
    public async Task Line_endings_split_across_buffers_are_normalised_once()
    {
        // Put CR LF pairs on every possible offset around the 16K-character decode buffer.
        var builder = new StringBuilder();
        while (builder.Length < 70_000)
        {
            builder.Append("line ").Append(builder.Length % 7 == 0 ? "x" : "yy").Append("\r\n");
        }

        string expected = builder.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);

        Document document = Assert.Single(await ReadAllAsync(new PlainTextReader(), Encoding.UTF8.GetBytes(builder.ToString())));

        Assert.Equal(expected, document.Text);
    }

    [Fact]
    public async Task Context_identity_and_metadata_are_carried()
    {
        using var stream = new MemoryStream("x"u8.ToArray());
        var context = new DocumentReadContext("a/b.txt")
        {
            Source = new Uri("file:///tmp/a/b.txt"),
            Metadata = new Dictionary<string, object?> { ["tenant"] = "t1" },
        };

        Document document = Assert.Single(await new PlainTextReader().ReadAsync(stream, context).ToListAsync());

        Assert.Equal("a/b.txt", document.Id);
        Assert.Equal(context.Source, document.Source);
        Assert.Equal("t1", document.Metadata["tenant"]);
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAllAsync(new PlainTextReader(), "text"u8.ToArray(), cancellationToken: cts.Token));
    }
}
