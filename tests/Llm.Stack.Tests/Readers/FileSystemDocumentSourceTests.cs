using System.Security.Cryptography;
using System.Text;
using Llm.Stack;

namespace Llm.Stack.Tests.Readers;

public sealed class FileSystemDocumentSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("llmstack-source-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Globs_select_files_and_media_types_come_from_extensions()
    {
        Write("README.md", "# Readme");
        Write("docs/guide.MD", "# Guide");
        Write("docs/notes.txt", "notes");
        Write("docs/drafts/wip.md", "# WIP");
        Write("bin/tool.exe", "MZ");
        Write("data/records.jsonl", "{}");

        FileSystemDocumentSource source = Create(o =>
        {
            o.Include.Add("**/*.md");
            o.Include.Add("docs/*.txt");
            o.Exclude.Add("**/drafts/**");
        });
        List<SourceFile> files = await source.EnumerateFilesAsync().ToListAsync();

        Assert.Equal(["README.md", "docs/guide.MD", "docs/notes.txt"], files.Select(f => f.RelativePath));
        Assert.Equal(["text/markdown", "text/markdown", "text/plain"], files.Select(f => f.MediaType));
        Assert.Equal(Path.Combine(_root, "docs", "guide.MD"), files[1].FullPath);
    }

    [Fact]
    public async Task Unknown_extensions_are_not_listed_and_the_default_includes_everything_else()
    {
        Write("a.md", "x");
        Write("b.unknown", "x");
        Write("c/d.csv", "h\n1");

        List<SourceFile> files = await Create().EnumerateFilesAsync().ToListAsync();

        Assert.Equal(["a.md", "c/d.csv"], files.Select(f => f.RelativePath));
    }

    [Fact]
    public async Task Files_carry_size_time_and_sha256()
    {
        Write("a.txt", "hello");
        File.SetLastWriteTimeUtc(Path.Combine(_root, "a.txt"), new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));

        SourceFile file = Assert.Single(await Create().EnumerateFilesAsync().ToListAsync());

        Assert.Equal(5, file.Length);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), file.LastWriteTimeUtc);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("hello"u8)), file.ContentHash);
    }

    [Fact]
    public async Task A_file_root_is_listed_by_its_name_and_extension_less_text_is_sniffed()
    {
        Write("notes.md", "# notes");
        Write("README", "Plain text without an extension.");
        File.WriteAllBytes(Path.Combine(_root, "blob"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 0, 0, 1, 2]);
        var skipped = new List<string>();
        FileSystemDocumentSource folder = Create(o => o.FileSkipped = (path, reason) => skipped.Add($"{path}: {reason}"));

        List<SourceFile> files = await folder.EnumerateFilesAsync().ToListAsync();

        Assert.Equal(["README", "notes.md"], files.Select(f => f.RelativePath));
        Assert.Equal("text/plain", files[0].MediaType);
        Assert.Equal("blob: it looks binary (it contains NUL bytes)", Assert.Single(skipped));

        var single = new FileSystemDocumentSourceOptions();
        single.Roots.Add(Path.Combine(_root, "notes.md"));
        IngestionItem item = Assert.Single(await new FileSystemDocumentSource(single).EnumerateItemsAsync().ToListAsync());
        Assert.Equal("notes.md", item.Id);
        Assert.Equal(files[1].ContentHash, item.ContentHash);
    }

    [Fact]
    public async Task Several_roots_first_root_wins_on_the_same_relative_path()
    {
        string other = Directory.CreateTempSubdirectory("llmstack-source2-").FullName;
        try
        {
            Write("same.md", "# first");
            File.WriteAllText(Path.Combine(other, "same.md"), "# second");
            File.WriteAllText(Path.Combine(other, "only.md"), "# only");
            var registry = new DocumentReaderRegistry([new MarkdownReader()]);
            var options = new FileSystemDocumentSourceOptions();
            options.Roots.Add(_root);
            options.Roots.Add(other);
            var source = new FileSystemDocumentSource(options, registry);

            List<SourceFile> files = await source.EnumerateFilesAsync().ToListAsync();

            Assert.Equal(["only.md", "same.md"], files.Select(f => f.RelativePath));
            Document document = Assert.Single(await source.ReadAsync(files[1]).ToListAsync());
            Assert.Equal("# first", document.Text);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task Read_uses_the_registry_and_adds_source_metadata()
    {
        Write("docs/a.md", "# Title\n\ntext");
        FileSystemDocumentSource source = Create();
        SourceFile file = Assert.Single(await source.EnumerateFilesAsync().ToListAsync());

        Document document = Assert.Single(await source.ReadAsync(file).ToListAsync());

        Assert.Equal("docs/a.md", document.Id);
        Assert.Equal("text/markdown", document.MediaType);
        Assert.Equal("Title", document.Metadata[MarkdownReader.TitleMetadataKey]);
        Assert.Equal("docs/a.md", document.Metadata[FileSystemDocumentSource.PathMetadataKey]);
        Assert.Equal(file.ContentHash, document.Metadata[FileSystemDocumentSource.ContentHashMetadataKey]);
        Assert.Equal(file.Length, document.Metadata[FileSystemDocumentSource.LengthMetadataKey]);
        Assert.Equal(new Uri(file.FullPath), document.Source);
    }

    [Fact]
    public async Task Bad_files_fail_one_by_one()
    {
        Write("good.txt", "fine");
        File.WriteAllBytes(Path.Combine(_root, "bad.txt"), [0x41, 0, 0x42]);
        FileSystemDocumentSource source = Create();
        List<SourceFile> files = await source.EnumerateFilesAsync().ToListAsync();

        await Assert.ThrowsAsync<InvalidDataException>(async () => await source.ReadAsync(files[0]).ToListAsync());
        Assert.Equal("fine", Assert.Single(await source.ReadAsync(files[1]).ToListAsync()).Text);
    }

    [Fact]
    public async Task A_reader_missing_for_the_media_type_is_reported()
    {
        Write("a.pdf", "%PDF-");
        FileSystemDocumentSource source = Create();
        SourceFile file = Assert.Single(await source.EnumerateFilesAsync().ToListAsync());

        NotSupportedException ex = await Assert.ThrowsAsync<NotSupportedException>(async () => await source.ReadAsync(file).ToListAsync());
        Assert.Contains("application/pdf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_root_throws_instead_of_reporting_everything_deleted()
    {
        var options = new FileSystemDocumentSourceOptions();
        options.Roots.Add(Path.Combine(_root, "missing"));
        var source = new FileSystemDocumentSource(options);

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => source.EnumerateItemsAsync().ToListAsync().AsTask());
    }

    [Fact]
    public void Options_without_roots_are_rejected()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new FileSystemDocumentSource(new FileSystemDocumentSourceOptions()));
        Assert.Equal("options", ex.ParamName);
    }

    private FileSystemDocumentSource Create(Action<FileSystemDocumentSourceOptions>? configure = null)
    {
        var options = new FileSystemDocumentSourceOptions();
        options.Roots.Add(_root);
        configure?.Invoke(options);
        return new FileSystemDocumentSource(options, new DocumentReaderRegistry([new PlainTextReader(), new MarkdownReader()]));
    }

    private void Write(string relativePath, string content)
    {
        string path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content, new UTF8Encoding(false));
    }
}
