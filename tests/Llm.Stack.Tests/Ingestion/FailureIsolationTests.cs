using System.Text;
using Microsoft.Extensions.VectorData;
using static Llm.Stack.Tests.Ingestion.IngestionTestKit;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>Bad input fails alone, with a clear error, and never costs what the store already held.</summary>
public sealed class FailureIsolationTests
{
    [Fact]
    public async Task ACorruptDocumentAmongGoodOnesFailsAloneWithAClearError()
    {
        var generator = new HashEmbeddingGenerator();
        generator.OnGenerate = batch =>
        {
            if (batch.Any(t => t.Contains("POISON", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("The embedder rejected the input.");
            }
        };
        var pipeline = new IngestionPipeline(generator, options: new IngestionOptions { MaxDocumentBytes = 10_000 });
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();

        List<IngestionResult> results = await RunItemsAsync(pipeline, collection, null,
            Text("good-1.txt", "A good document about apples."),
            Bytes("invalid-utf8.txt", [0x48, 0x69, 0x20, 0xC3, 0x28, 0xFF]),
            Bytes("binary.txt", [0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01, 0x02]),
            Text("empty.txt", " \n\t "),
            Text("huge.txt", new string('x', 20_000)),
            Bytes("picture.png", [0x89, 0x50], "image/png"),
            Text("poison.txt", "This one has POISON in it."),
            new IngestionItem("unopenable.txt", _ => throw new FileNotFoundException("gone")),
            Text("good-2.txt", "A good document about pears."));

        Assert.Equal(9, results.Count);
        // Bytes that are not UTF-8 are read as Windows-1252, and reported so.
        Assert.Equal(["good-1.txt", "good-2.txt", "invalid-utf8.txt"], results.Where(r => r.Status == IngestionStatus.Added).Select(r => r.DocumentId).Order());
        Assert.Equal("windows-1252", results.Single(r => r.DocumentId == "invalid-utf8.txt").TextEncoding);
        Assert.Equal("utf-8", results.Single(r => r.DocumentId == "good-1.txt").TextEncoding);
        Dictionary<string, Exception?> errors = results.Where(r => r.Status == IngestionStatus.Failed).ToDictionary(r => r.DocumentId, r => r.Error);
        Assert.Contains("binary", Assert.IsType<InvalidDataException>(errors["binary.txt"]).Message, StringComparison.Ordinal);
        Assert.Contains("has no text", Assert.IsType<InvalidDataException>(errors["empty.txt"]).Message, StringComparison.Ordinal);
        Assert.Contains("MaxDocumentBytes", Assert.IsType<InvalidDataException>(errors["huge.txt"]).Message, StringComparison.Ordinal);
        Assert.Contains("image/png", Assert.IsType<NotSupportedException>(errors["picture.png"]).Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(errors["poison.txt"]);
        Assert.IsType<FileNotFoundException>(errors["unopenable.txt"]);
        Assert.Equal(["good-1.txt", "good-2.txt", "invalid-utf8.txt"], (await AllRecordsAsync(collection)).Select(r => r.DocumentId).Distinct().Order());
    }

    [Fact]
    public async Task AFailedDocumentKeepsItsPreviousVersionAndIsNotRemoved()
    {
        var generator = new HashEmbeddingGenerator();
        var pipeline = new IngestionPipeline(generator);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        await RunItemsAsync(pipeline, collection, null, Text("a.txt", "Version one of a."), Text("b.txt", "Version one of b."));

        // a.txt is now unreadable, b.txt's new version cannot be embedded.
        generator.OnGenerate = batch => throw new TimeoutException("embedder down");
        List<IngestionResult> results = await RunItemsAsync(pipeline, collection, null,
            Bytes("a.txt", [0xFF, 0xFE, 0x00]), Text("b.txt", "Version two of b."));

        Assert.All(results, r => Assert.Equal(IngestionStatus.Failed, r.Status));
        List<ChunkRecord> records = await AllRecordsAsync(collection);
        Assert.Equal(["Version one of a.", "Version one of b."], records.Select(r => r.Text).Order());
    }

    [Fact]
    public async Task StreamsLargeContentOnlyUpToTheLimit()
    {
        var pipeline = new IngestionPipeline(new HashEmbeddingGenerator(), options: new IngestionOptions { MaxDocumentBytes = 1024 });
        var endless = new IngestionItem("endless.txt", _ => Task.FromResult<Stream>(new EndlessStream()));

        IngestionResult result = Assert.Single(await RunItemsAsync(pipeline, NewCollection(), null, endless));

        Assert.Equal(IngestionStatus.Failed, result.Status);
        Assert.Contains("larger than the limit of 1024 bytes", result.Error!.Message, StringComparison.Ordinal);
    }

    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)'a', offset, count);
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
