using System.Globalization;
using System.Text;
using Microsoft.Extensions.VectorData;
using static Llm.Stack.Tests.Ingestion.IngestionTestKit;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>
/// Large plain-text and Markdown files take the sectioned road (read, transformed, chunked and embedded section by
/// section; its memory is measured by <c>LargeDocumentMemoryBenchmark</c>): the chunks must cover the document as a
/// whole read would, with document-wide ordinals and offsets, heading paths that carry across sections, change
/// detection and embedding reuse, and the Windows-1252 fallback found past the first section.
/// </summary>
public sealed class LargeDocumentTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "llmstack-large-" + Guid.NewGuid().ToString("N"));

    public LargeDocumentTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IngestionPipeline NewPipeline(HashEmbeddingGenerator generator) =>
        new(generator, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 256 }));

    /// <summary>Paragraphs with a unique marker each, until <paramref name="bytes"/> bytes.</summary>
    private static string Paragraphs(string tag, int bytes, int from = 0)
    {
        var text = new StringBuilder();
        for (int p = from; text.Length < bytes; p++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Marker {tag}{p} opens this paragraph about rivers, volcanoes and the weather of place {p % 97}. ");
            text.Append(string.Join(' ', Enumerable.Range(0, 40).Select(w => $"word{(p * 7 + w) % 1000}")));
            text.Append(".\n\n");
        }

        return text.ToString();
    }

    private IngestionItem File(string name, byte[] content, string mediaType)
    {
        string path = Path.Combine(_directory, name);
        System.IO.File.WriteAllBytes(path, content);
        return new IngestionItem(name, _ => Task.FromResult<Stream>(System.IO.File.OpenRead(path))) { MediaType = mediaType };
    }

    [Fact]
    public async Task ALargePlainTextFileIsReadInSectionsAndItsChunksCoverItWithDocumentWideOrdinalsAndOffsets()
    {
        string text = Paragraphs("p", 6 * 1024 * 1024);
        Assert.True(Encoding.UTF8.GetByteCount(text) > IngestionPipeline.SectionedReadThresholdBytes);
        var sections = new CountingTransform();
        var generator = new HashEmbeddingGenerator();
        var options = new IngestionOptions();
        options.Transforms.Add(sections);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();

        List<IngestionResult> results = await RunItemsAsync(NewPipeline(generator), collection, options, File("big.txt", Encoding.UTF8.GetBytes(text), "text/plain"));

        IngestionResult result = Assert.Single(results);
        Assert.Equal(IngestionStatus.Added, result.Status);
        Assert.Equal("utf-8", result.TextEncoding);

        // Two passes over more than 20 sections, never the whole text at once.
        Assert.True(sections.Calls > 40, $"the transform saw {sections.Calls} parts");
        Assert.True(sections.Longest < 2 * IngestionPipeline.SectionChars, $"a part of {sections.Longest} characters");

        List<ChunkRecord> records = [.. (await AllRecordsAsync(collection)).OrderBy(r => r.Ordinal)];
        Assert.Equal(result.ChunkCount, records.Count);
        Assert.Equal(Enumerable.Range(0, records.Count), records.Select(r => r.Ordinal));
        Assert.Equal(records.Count, records.Select(r => r.Key).Distinct().Count());
        Assert.All(records, r => Assert.Equal(text.Substring(r.Start, r.Length), r.Text));
        Assert.All(records.Zip(records.Skip(1)), pair => Assert.True(pair.First.Start + pair.First.Length <= pair.Second.Start));
        Assert.All(records, r => Assert.Equal(HashEmbeddingGenerator.Embed(r.Text, ChunkRecord.DefaultDimensions), r.Embedding.ToArray()));

        // Every paragraph's marker is in exactly one chunk.
        string joined = string.Join("\n", records.Select(r => r.Text));
        int paragraphs = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length;
        for (int p = 0; p < paragraphs; p += 997)
        {
            Assert.Single(records, r => r.Text.Contains($"Marker p{p} ", StringComparison.Ordinal));
        }

        Assert.Contains($"Marker p{paragraphs - 1} ", joined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALargeFileUnchangedIsNotReEmbeddedAndOneChangedParagraphReusesTheOtherEmbeddingsAndLeavesNoStaleText()
    {
        string text = Paragraphs("q", 5 * 1024 * 1024);
        var generator = new HashEmbeddingGenerator();
        IngestionPipeline pipeline = NewPipeline(generator);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        var options = new IngestionOptions { State = new IngestionState() };
        IngestionResult first = Assert.Single(await RunItemsAsync(pipeline, collection, options, File("big.txt", Encoding.UTF8.GetBytes(text), "text/plain")));
        Assert.Equal(IngestionStatus.Added, first.Status);
        int inputs = generator.Inputs;
        Assert.Equal(first.ChunkCount, inputs);

        IngestionResult again = Assert.Single(await RunItemsAsync(pipeline, collection, options, File("big.txt", Encoding.UTF8.GetBytes(text), "text/plain")));
        Assert.Equal(IngestionStatus.Unchanged, again.Status);
        Assert.Equal(inputs, generator.Inputs);

        int middle = text.IndexOf("Marker q10000 ", StringComparison.Ordinal);
        Assert.True(middle > IngestionPipeline.SectionChars * 4, "the change must be past the first sections");
        string changed = text[..middle] + "Marker q10000 now tells of glaciers instead. " + text[(middle + "Marker q10000 ".Length)..];
        IngestionResult update = Assert.Single(await RunItemsAsync(pipeline, collection, options, File("big.txt", Encoding.UTF8.GetBytes(changed), "text/plain")));

        Assert.Equal(IngestionStatus.Changed, update.Status);
        Assert.Equal(2, update.Version);
        Assert.InRange(update.ReusedEmbeddings, update.ChunkCount - 3, update.ChunkCount - 1);
        Assert.Equal(inputs + (update.ChunkCount - update.ReusedEmbeddings), generator.Inputs);
        List<ChunkRecord> records = await AllRecordsAsync(collection);
        Assert.Equal(update.ChunkCount, records.Count);
        Assert.All(records, r => Assert.Equal(2, r.DocumentVersion));
        Assert.Single(records, r => r.Text.Contains("now tells of glaciers", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Text.Contains("Marker q10000 opens", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALargeMarkdownFileKeepsItsHeadingPathAcrossSectionsAndNeverCutsInsideACodeFence()
    {
        string fence = "```\nfirst line of code\n\nafter a blank line in the fence\n```\n\n";
        string markdown = "# Guide\n\n## Part one\n\n" + Paragraphs("a", 3 * 1024 * 1024) + fence + Paragraphs("b", 2 * 1024 * 1024, 100_000)
            + "## Part two\n\n" + Paragraphs("c", 300 * 1024, 200_000);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();

        IngestionResult result = Assert.Single(await RunItemsAsync(NewPipeline(new HashEmbeddingGenerator()), collection, null, File("big.md", Encoding.UTF8.GetBytes(markdown), "text/markdown")));

        Assert.Equal(IngestionStatus.Added, result.Status);
        List<ChunkRecord> records = [.. (await AllRecordsAsync(collection)).OrderBy(r => r.Ordinal)];
        Assert.Equal(Enumerable.Range(0, records.Count), records.Select(r => r.Ordinal));
        Assert.All(records, r => Assert.Equal(markdown.Substring(r.Start, r.Length), r.Text));
        Assert.Equal("Guide > Part one", records.Single(r => r.Text.Contains("Marker a5000 ", StringComparison.Ordinal)).SectionPath);
        Assert.Equal("Guide > Part one", records.Single(r => r.Text.Contains("Marker b103000 ", StringComparison.Ordinal)).SectionPath);
        Assert.Equal("Guide > Part two", records.Single(r => r.Text.Contains("Marker c200500 ", StringComparison.Ordinal)).SectionPath);
        Assert.Contains(records, r => r.Text.Contains("first line of code\n\nafter a blank line in the fence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALargeFileThatIsNotUtf8PastItsFirstSectionIsReadAgainAsWindows1252()
    {
        byte[] ascii = Encoding.ASCII.GetBytes(Paragraphs("w", 5 * 1024 * 1024));
        byte[] latin = Encoding.Latin1.GetBytes("Le caf\u00e9 est ferm\u00e9 le dimanche.\n");
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();

        IngestionResult result = Assert.Single(await RunItemsAsync(NewPipeline(new HashEmbeddingGenerator()), collection, null, File("latin.txt", [.. ascii, .. latin], "text/plain")));

        Assert.Equal(IngestionStatus.Added, result.Status);
        Assert.Equal("windows-1252", result.TextEncoding);
        List<ChunkRecord> records = await AllRecordsAsync(collection);
        Assert.Contains(records, r => r.Text.Contains("Le caf\u00e9 est ferm\u00e9 le dimanche.", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Text.Contains("Marker w0 ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1000)]
    public async Task SectionsJoinToTheWholeTextAndMarkdownSectionsNeverSplitAFence(int sectionChars)
    {
        var random = new Random(sectionChars);
        var source = new StringBuilder();
        for (int i = 0; i < 400; i++)
        {
            source.Append(random.Next(6) switch
            {
                0 => "\n```\ncode\r\n\r\nmore code\n```\n",
                1 => "\r\n",
                2 => "\n\n",
                3 => "caf\u00e9 \U0001F600 ",
                _ => string.Concat(Enumerable.Repeat("word ", random.Next(1, 60))) + "\n",
            });
        }

        byte[] bytes = Encoding.UTF8.GetBytes(source.ToString());
        string whole = await TextDecoding.ReadAllAsync(new MemoryStream(bytes), null, "doc", null, CancellationToken.None);

        List<string> plain = await TextDecoding.ReadSectionsAsync(new MemoryStream(bytes), null, "doc", null, sectionChars, TextDecoding.FindParagraphCut, CancellationToken.None).ToListAsync();
        List<string> markdown = await TextDecoding.ReadSectionsAsync(new MemoryStream(bytes), null, "doc", null, sectionChars, MarkdownReader.FindSectionCut, CancellationToken.None).ToListAsync();

        Assert.Equal(whole, string.Concat(plain));
        Assert.Equal(whole, string.Concat(markdown));
        Assert.True(plain.Count > 3);
        Assert.All(plain, s => Assert.False(s.Length > 0 && char.IsHighSurrogate(s[^1])));
        Assert.True(markdown.Count > 3);
        Assert.All(markdown, s => Assert.Equal(0, s.Split('\n').Count(l => l.StartsWith("```", StringComparison.Ordinal)) % 2));
    }

    /// <summary>Counts the document parts it sees (a whole document, or one section of a large one).</summary>
    private sealed class CountingTransform : IDocumentTransform
    {
        private int _calls;
        private int _longest;

        public int Calls => Volatile.Read(ref _calls);

        public int Longest => Volatile.Read(ref _longest);

        public ValueTask<Document?> TransformAsync(Document document, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            lock (this)
            {
                _longest = Math.Max(_longest, document.Text.Length);
            }

            return new ValueTask<Document?>(document);
        }
    }
}
