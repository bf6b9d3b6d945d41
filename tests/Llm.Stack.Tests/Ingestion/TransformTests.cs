using Microsoft.Extensions.VectorData;
using static Llm.Stack.Tests.Ingestion.IngestionTestKit;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>Normalisation, redaction and boilerplate removal, with element ranges moved along.</summary>
public sealed class TransformTests
{
    [Fact]
    public async Task NormalizesUnicodeAndWhiteSpaceAndMovesTheElements()
    {
        const string text = "  Cafe\u0301  au\tlait\u200B\r\n\r\n\r\n\r\nNext  line\n    indented code\n🧑\u200D🚀 ok  ";
        int next = text.IndexOf("Next", StringComparison.Ordinal);
        var document = new Document("n", text)
        {
            Elements =
            [
                new DocumentElement(DocumentElementKind.Paragraph, 2, text.IndexOf('\r', StringComparison.Ordinal) - 2),
                new DocumentElement(DocumentElementKind.Paragraph, next, text.Length - 2 - next) { PageNumber = 2 },
            ],
        };

        Document normalized = (await new TextNormalizationTransform().TransformAsync(document))!;

        Assert.Equal("Café au lait\n\nNext line\n    indented code\n🧑\u200D🚀 ok", normalized.Text);
        Assert.Equal("Café au lait", normalized.Text.Substring(normalized.Elements[0].Start, normalized.Elements[0].Length));
        Assert.Equal("Next line\n    indented code\n🧑\u200D🚀 ok", normalized.Text.Substring(normalized.Elements[1].Start, normalized.Elements[1].Length));
        Assert.Equal(2, normalized.Elements[1].PageNumber);
        var plain = new Document("x", "Already normal.");
        Assert.Same(plain, await new TextNormalizationTransform().TransformAsync(plain));
    }

    [Fact]
    public async Task RedactsPersonalData()
    {
        var document = new Document("p", "Mail john.doe@example.com or call +1 555-123-4567; card 4111 1111 1111 1111. Version 3.14 stays.");

        Document redacted = (await RegexRedactionTransform.CreatePiiRedaction().TransformAsync(document))!;

        Assert.Equal("Mail [EMAIL] or call [PHONE]; card [CARD]. Version 3.14 stays.", redacted.Text);
    }

    [Fact]
    public async Task RemovesBoilerplateLines()
    {
        var document = new Document("b", "Intro text.\nPage 3 of 10\nMore text.\nCONFIDENTIAL\nEnd.");

        Document cleaned = (await RegexRedactionTransform.CreateBoilerplateRemoval(@"^Page \d+ of \d+$", "^CONFIDENTIAL$").TransformAsync(document))!;

        Assert.Equal("Intro text.\nMore text.\nEnd.", cleaned.Text);
    }

    [Fact]
    public async Task ThePipelineAppliesTheConfiguredTransformsBeforeChunking()
    {
        var pipeline = new IngestionPipeline(new HashEmbeddingGenerator());
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        var options = new IngestionOptions();
        options.Transforms.Add(RegexRedactionTransform.CreatePiiRedaction());

        await RunAsync(pipeline, collection, options, new Document("a", "Contact   jane@example.org\r\nfor details."));

        ChunkRecord record = Assert.Single(await AllRecordsAsync(collection));
        Assert.Equal("Contact [EMAIL]\nfor details.", record.Text);
    }

    [Fact]
    public async Task ATransformThatDropsADocumentRemovesWhatWasStored()
    {
        var pipeline = new IngestionPipeline(new HashEmbeddingGenerator());
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        await RunAsync(pipeline, collection, null, new Document("a", "Keep me for now."));
        var options = new IngestionOptions();
        options.Transforms.Add(new DropAll());

        List<IngestionResult> results = await RunAsync(pipeline, collection, options, new Document("a", "Keep me for now."), new Document("b", "Never stored."));

        Assert.Equal(IngestionStatus.Removed, results.Single(r => r.DocumentId == "a").Status);
        Assert.Equal(IngestionStatus.Skipped, results.Single(r => r.DocumentId == "b").Status);
        Assert.Empty(await AllRecordsAsync(collection));
    }

    private sealed class DropAll : IDocumentTransform
    {
        public ValueTask<Document?> TransformAsync(Document document, CancellationToken cancellationToken = default) => new((Document?)null);
    }
}
