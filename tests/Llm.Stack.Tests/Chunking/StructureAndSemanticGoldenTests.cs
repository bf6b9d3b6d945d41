using Llm.Stack.Tests.Ingestion;

namespace Llm.Stack.Tests.Chunking;

/// <summary>Exact chunks of small structured documents, and semantic breakpoints.</summary>
public sealed class StructureAndSemanticGoldenTests
{
    [Fact]
    public async Task SplitsATableOnlyBetweenRowsAndRepeatsItsHeader()
    {
        string[] rows = ["| Name | Price |", "| Apple | 1.20 |", "| Banana | 0.50 |", "| Cherry | 3.00 |", "| Damson | 2.10 |", "| Elderberry | 4.75 |"];
        string text = "# Prices\n\n" + string.Join('\n', rows);
        int tableStart = text.IndexOf('|', StringComparison.Ordinal);
        var ranges = new List<Range>();
        int position = tableStart;
        foreach (string row in rows)
        {
            ranges.Add(position..(position + row.Length));
            position += row.Length + 1;
        }

        var document = new Document("t", text)
        {
            Elements =
            [
                new DocumentElement(DocumentElementKind.Heading, 0, 8) { HeadingLevel = 1, SectionPath = ["Prices"] },
                new DocumentElement(DocumentElementKind.Table, tableStart, text.Length - tableStart) { SectionPath = ["Prices"], Rows = ranges, HasHeaderRow = true },
            ],
        };
        var chunker = new StructureChunker(new StructureChunkerOptions { MaxTokens = 24 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(document);

        Assert.Equal("# Prices", chunks[0].Text);
        List<DocumentChunk> tableChunks = [.. chunks.Skip(1)];
        Assert.True(tableChunks.Count >= 2, "the table must be split for this test");
        Assert.StartsWith("| Name | Price |\n| Apple", tableChunks[0].Text, StringComparison.Ordinal);
        foreach (DocumentChunk chunk in tableChunks)
        {
            Assert.StartsWith("| Name | Price |\n", chunk.Text, StringComparison.Ordinal);
            Assert.All(chunk.Text.Split('\n'), line => Assert.Contains(line, rows));
            Assert.Equal(["Prices"], chunk.SectionPath);
            Assert.InRange(chunker.Tokenizer.CountTokens(chunk.Text), 1, 24);
        }

        Assert.Equal(rows.Skip(1), tableChunks.SelectMany(c => c.Text.Split('\n').Skip(1)));
    }

    [Fact]
    public async Task KeepsCodeWholeAndPrefixesTheSectionPath()
    {
        const string code = "```\nint x = 1;\nint y = 2;\nreturn x + y;\n```";
        string text = "# Guide\n\n## Build\n\nRun the build.\n\n" + code;
        int codeStart = text.IndexOf("```", StringComparison.Ordinal);
        var document = new Document("c", text)
        {
            Elements =
            [
                new DocumentElement(DocumentElementKind.Heading, 0, 7) { HeadingLevel = 1, SectionPath = ["Guide"] },
                new DocumentElement(DocumentElementKind.Heading, 9, 8) { HeadingLevel = 2, SectionPath = ["Guide", "Build"] },
                new DocumentElement(DocumentElementKind.Paragraph, 19, 14) { SectionPath = ["Guide", "Build"] },
                new DocumentElement(DocumentElementKind.Code, codeStart, code.Length) { SectionPath = ["Guide", "Build"] },
            ],
        };
        var chunker = new StructureChunker(new StructureChunkerOptions { MaxTokens = 40, IncludeHeadingPrefix = true });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(document);

        Assert.Equal(["Guide\n\n# Guide", "Guide > Build\n\n## Build\n\nRun the build.\n\n" + code], chunks.Select(c => c.Text));
        Assert.Equal(text.Length - 9, chunks[1].Length);
        Assert.Equal("Guide > Build", chunks[1].Metadata["section"]);
    }

    [Fact]
    public async Task BreaksWhereTheTopicChanges()
    {
        // Three sentences share their words, then three others share theirs: the big distance is between the groups.
        const string text = "Cats purr softly. Cats purr softly indoors. Cats purr softly at night. Rockets launch loudly. Rockets launch loudly today. Rockets launch loudly again.";
        var chunker = new SemanticChunker(new HashEmbeddingGenerator(256), new SemanticChunkerOptions { BufferSize = 0, BreakpointPercentile = 75 });

        IReadOnlyList<DocumentChunk> chunks = await chunker.ChunkAsync(new Document("s", text));

        Assert.Equal(["Cats purr softly. Cats purr softly indoors. Cats purr softly at night.", "Rockets launch loudly. Rockets launch loudly today. Rockets launch loudly again."], chunks.Select(c => c.Text));
    }

    [Fact]
    public void PercentileInterpolatesLikeNumPy()
    {
        Assert.Equal(3.5, SemanticChunker.Percentile([1, 2, 3, 4, 5, 6], 50));
        Assert.Equal(5.75, SemanticChunker.Percentile([1, 2, 3, 4, 5, 6], 95), 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SemanticChunkerOptions { BreakpointPercentile = 101 });
    }
}
