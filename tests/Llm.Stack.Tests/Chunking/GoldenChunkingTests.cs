namespace Llm.Stack.Tests.Chunking;

/// <summary>Exact chunks of small real texts.</summary>
public sealed class GoldenChunkingTests
{
    private const string Numbers = "one two three four five six seven eight nine ten";

    [Fact]
    public async Task TokenChunkerCutsAtExactTokenCounts()
    {
        var chunker = new TokenChunker(new TokenChunkerOptions { MaxTokens = 4 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document("n", Numbers));

        Assert.Equal(["one two three four", "five six seven eight", "nine ten"], chunks.Select(c => c.Text));
        Assert.Equal([4, 4, 2], chunks.Select(c => c.TokenCount));
        Assert.Equal([0, 19, 40], chunks.Select(c => c.Start));
        Assert.All(chunks, c => Assert.Equal(Numbers.Substring(c.Start, c.Length), c.Text));
    }

    [Fact]
    public async Task TokenChunkerRepeatsTheOverlapTokens()
    {
        var chunker = new TokenChunker(new TokenChunkerOptions { MaxTokens = 4, OverlapTokens = 1 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document("n", Numbers));

        Assert.Equal(["one two three four", "four five six seven", "seven eight nine ten"], chunks.Select(c => c.Text));
    }

    [Fact]
    public async Task RecursiveChunkerKeepsParagraphsWholeAndMergesSmallOnes()
    {
        const string text = "Alpha one two three.\n\nBeta four.\r\n\r\nGamma five six seven eight nine ten eleven twelve.\n\nDelta.";
        var chunker = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 12 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document("p", text));

        Assert.Equal(
            ["Alpha one two three.\n\nBeta four.", "Gamma five six seven eight nine ten eleven twelve.\n\nDelta."],
            chunks.Select(c => c.Text));
    }

    [Fact]
    public async Task RecursiveChunkerCountsTokensNotWords()
    {
        // 20 "words" of which each is several tokens: a word-counting chunker would put them all in one 64-"token" chunk.
        string text = string.Join(' ', Enumerable.Repeat("Σύμφωνα", 20));
        var chunker = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 64 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document("g", text));

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.InRange(ChunkingTokenizers.Cl100kBase.CountTokens(c.Text), 1, 64));
    }

    [Fact]
    public async Task SentenceChunkerKnowsAbbreviationsDecimalsEllipsesAndQuotes()
    {
        const string text = "Dr. Smith paid $3.14 for the U.S. edition, e.g. the blue one. He said \"Stop.\" Then he left... The end? Yes! 中文句子。第二句。";
        var chunker = new SentenceChunker(new SentenceChunkerOptions { MaxTokens = 4096 });
        var sentences = new List<(int Start, int End)>();
        new SentenceSplitter().Split(text, 0, text.Length, sentences);

        Assert.Equal(
            ["Dr. Smith paid $3.14 for the U.S. edition, e.g. the blue one.", "He said \"Stop.\"", "Then he left...", "The end?", "Yes!", "中文句子。", "第二句。"],
            sentences.Select(s => text[s.Start..s.End].Trim()));
        Assert.Single(await chunker.ChunkAsync(new Document("s", text)));
    }

    [Fact]
    public async Task SentenceChunkerPacksWholeSentences()
    {
        const string text = "First sentence here. Second sentence here. Third sentence here.";
        var chunker = new SentenceChunker(new SentenceChunkerOptions { MaxTokens = 7 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document("s", text));

        Assert.Equal(["First sentence here.", "Second sentence here.", "Third sentence here."], chunks.Select(c => c.Text));
    }

    [Fact]
    public async Task ChunksCarryPageAndSectionFromTheDocumentElements()
    {
        const string text = "Intro text here.\n\nPage two text.";
        var document = new Document("e", text)
        {
            Elements =
            [
                new DocumentElement(DocumentElementKind.Paragraph, 0, 16) { PageNumber = 1, SectionPath = ["Intro"] },
                new DocumentElement(DocumentElementKind.Paragraph, 18, 14) { PageNumber = 2, SectionPath = ["Body"] },
            ],
            Metadata = { ["source"] = "test" },
        };
        var chunker = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 4 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(document);

        Assert.Equal([1, 2], chunks.Select(c => c.PageNumber ?? 0));
        Assert.Equal(["Intro", "Body"], chunks.Select(c => c.SectionPath.Single()));
        Assert.All(chunks, c => Assert.Equal("test", c.Metadata["source"]));
    }

    [Fact]
    public void OptionsRejectBadValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenChunkerOptions { MaxTokens = 3 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenChunkerOptions { OverlapTokens = -1 });
        Assert.Throws<ArgumentException>(() => new RecursiveChunkerOptions { Separators = [] });
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TokenChunker(new TokenChunkerOptions { MaxTokens = 8, OverlapTokens = 8 }));
        Assert.Equal("options", e.ParamName);
    }

    [Fact]
    public async Task EmptyAndWhiteSpaceDocumentsHaveNoChunks()
    {
        ITextChunker[] chunkers = [new TokenChunker(), new RecursiveChunker(), new SentenceChunker()];
        foreach (ITextChunker chunker in chunkers)
        {
            Assert.Empty(await chunker.ChunkAsync(new Document("e", string.Empty)));
            Assert.Empty(await chunker.ChunkAsync(new Document("w", " \r\n\t ")));
        }
    }
}
