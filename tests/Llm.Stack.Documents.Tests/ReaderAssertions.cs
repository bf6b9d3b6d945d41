namespace Llm.Stack.Documents.Tests;

internal static class ReaderAssertions
{
    public static async Task<List<Document>> ReadAllAsync(IDocumentReader reader, byte[] content, string id = "doc", bool seekable = true, CancellationToken cancellationToken = default)
    {
        using Stream stream = seekable ? new MemoryStream(content) : new NonSeekableStream(content);
        List<Document> documents = await reader.ReadAsync(stream, new DocumentReadContext(id), cancellationToken).ToListAsync(cancellationToken);
        Assert.True(stream.CanRead, "the reader must not close the stream");
        return documents;
    }

    public static string TextOf(Document document, DocumentElement element) => document.Text.Substring(element.Start, element.Length);

    public static void AssertElementsWellFormed(Document document)
    {
        int previousEnd = 0;
        foreach (DocumentElement element in document.Elements)
        {
            Assert.True(element.Start >= previousEnd, $"element at {element.Start} overlaps the previous one ending at {previousEnd}");
            Assert.True(element.End <= document.Text.Length);
            Assert.True(element.Length > 0);
            foreach (Range row in element.Rows)
            {
                (int offset, int length) = row.GetOffsetAndLength(document.Text.Length);
                Assert.True(offset >= element.Start && offset + length <= element.End, "table row outside its table");
            }

            previousEnd = element.End;
        }
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override long Position { get => base.Position; set => throw new NotSupportedException(); }

        public override long Length => throw new NotSupportedException();
    }
}
