using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Tests.Readers;

public class DocumentReaderRegistrationTests
{
    [Fact]
    public void AddDocumentReaders_registers_the_built_in_readers_once_and_the_registry()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddDocumentReaders().AddDocumentReaders());
        using ServiceProvider provider = services.BuildServiceProvider();

        IDocumentReader[] readers = [.. provider.GetServices<IDocumentReader>()];
        DocumentReaderRegistry registry = provider.GetRequiredService<DocumentReaderRegistry>();

        Assert.Equal(readers.Length, readers.Select(r => r.GetType()).Distinct().Count());
        Assert.IsType<MarkdownReader>(registry.GetReader("text/markdown"));
        Assert.IsType<PlainTextReader>(registry.GetReader("Text/Plain; charset=utf-8"));
        Assert.Throws<NotSupportedException>(() => registry.GetReader("application/x-unknown"));
    }

    [Fact]
    public async Task Options_configure_the_record_readers()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddDocumentReaders(o =>
        {
            o.Csv.Delimiter = ';';
            o.Csv.TextFields.Add("body");
            o.Json.IdField = "id";
        }));
        using ServiceProvider provider = services.BuildServiceProvider();
        DocumentReaderRegistry registry = provider.GetRequiredService<DocumentReaderRegistry>();
        Assert.IsType<HtmlReader>(registry.GetReader("application/xhtml+xml"));

        using var csv = new MemoryStream("title;body\nT;B\n"u8.ToArray());
        Document row = Assert.Single(await registry.ReadAsync(csv, new DocumentReadContext("c.csv") { MediaType = "text/csv" }).ToListAsync());
        using var jsonl = new MemoryStream("{\"id\":\"k\"}"u8.ToArray());
        Document record = Assert.Single(await registry.ReadAsync(jsonl, new DocumentReadContext("j") { MediaType = "application/x-ndjson" }).ToListAsync());

        Assert.Equal("B", row.Text);
        Assert.Equal("j/k", record.Id);
    }

    [Fact]
    public async Task The_registry_needs_a_media_type()
    {
        var registry = new DocumentReaderRegistry([new PlainTextReader()]);
        using var stream = new MemoryStream();

        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(async () => await registry.ReadAsync(stream, new DocumentReadContext("x")).ToListAsync());
        Assert.Equal("context", ex.ParamName);
    }

    [Fact]
    public void A_reader_registered_later_replaces_a_built_in_one()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddDocumentReaders());
        var custom = new CustomMarkdownReader();
        services.AddSingleton<IDocumentReader>(custom);
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Same(custom, provider.GetRequiredService<DocumentReaderRegistry>().GetReader("text/markdown"));
    }

    [Fact]
    public async Task AddFileSystemDocumentSource_reads_through_the_registry()
    {
        string root = Directory.CreateTempSubdirectory("llmstack-di-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "a.md"), "# A");
            var services = new ServiceCollection();
            services.AddLlmStack(stack => stack.AddFileSystemDocumentSource(o => o.Roots.Add(root)));
            using ServiceProvider provider = services.BuildServiceProvider();
            FileSystemDocumentSource source = provider.GetRequiredService<FileSystemDocumentSource>();

            SourceFile file = Assert.Single(await source.EnumerateFilesAsync().ToListAsync());
            Assert.Equal("# A", Assert.Single(await source.ReadAsync(file).ToListAsync()).Text);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class CustomMarkdownReader : IDocumentReader
    {
        public IReadOnlyList<string> MediaTypes { get; } = ["text/markdown"];

        public IAsyncEnumerable<Document> ReadAsync(Stream content, DocumentReadContext context, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
