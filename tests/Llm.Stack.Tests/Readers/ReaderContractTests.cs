using System.Text;
using Llm.Stack;

namespace Llm.Stack.Tests.Readers;

/// <summary>The <see cref="IDocumentReader"/> contract, checked for every core reader.</summary>
public class ReaderContractTests
{
    public static TheoryData<string, string> Readers => new()
    {
        { nameof(PlainTextReader), "a\n\nb" },
        { nameof(MarkdownReader), "# a\n\nb" },
        { nameof(HtmlReader), "<h1>a</h1><p>b</p>" },
        { nameof(JsonRecordReader), "[{\"t\":\"a\"},{\"t\":\"b\"}]" },
        { nameof(CsvRecordReader), "t\na\nb\n" },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task A_cancelled_token_stops_the_read(string name, string content)
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Create(name).ReadAsync(stream, new DocumentReadContext("c"), cts.Token).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task The_stream_stays_open_and_arguments_are_checked(string name, string content)
    {
        IDocumentReader reader = Create(name);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));

        List<Document> documents = await reader.ReadAsync(stream, new DocumentReadContext("c")).ToListAsync();

        Assert.NotEmpty(documents);
        Assert.True(stream.CanRead);
        Assert.NotEmpty(reader.MediaTypes);
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await reader.ReadAsync(null!, new DocumentReadContext("c")).ToListAsync());
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await reader.ReadAsync(stream, null!).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task Readers_can_read_concurrently(string name, string content)
    {
        IDocumentReader reader = Create(name);
        byte[] bytes = Encoding.UTF8.GetBytes(content);

        List<Document>[] results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            using var stream = new MemoryStream(bytes);
            return await reader.ReadAsync(stream, new DocumentReadContext($"d{i}")).ToListAsync();
        })));

        string expected = string.Join("|", results[0].Select(d => d.Text));
        Assert.All(results, r => Assert.Equal(expected, string.Join("|", r.Select(d => d.Text))));
    }

    private static IDocumentReader Create(string name) => name switch
    {
        nameof(PlainTextReader) => new PlainTextReader(),
        nameof(MarkdownReader) => new MarkdownReader(),
        nameof(HtmlReader) => new HtmlReader(),
        nameof(JsonRecordReader) => new JsonRecordReader(),
        _ => new CsvRecordReader(),
    };
}
