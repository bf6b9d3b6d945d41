using System.Text;
using Llm.Stack;

namespace Llm.Stack.Tests.Readers;

internal static class ReaderTestHelpers
{
    public static async Task<List<Document>> ReadAllAsync(IDocumentReader reader, byte[] content, string id = "doc", CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream(content);
        var documents = new List<Document>();
        await foreach (Document document in reader.ReadAsync(stream, new DocumentReadContext(id), cancellationToken))
        {
            documents.Add(document);
        }

        Assert.True(stream.CanRead, "the reader must not close the stream");
        return documents;
    }

    public static async Task<Document> ReadOneAsync(IDocumentReader reader, string content, string id = "doc") =>
        Assert.Single(await ReadAllAsync(reader, Encoding.UTF8.GetBytes(content), id));

    public static string TextOf(Document document, DocumentElement element) => document.Text.Substring(element.Start, element.Length);

    public static string TextOf(Document document, Range range) => document.Text[range];

    /// <summary>Asserts the invariants every reader promises: elements inside the text, in order, not overlapping.</summary>
    public static void AssertElementsWellFormed(Document document)
    {
        int previousEnd = 0;
        foreach (DocumentElement element in document.Elements)
        {
            Assert.True(element.Start >= previousEnd, $"element at {element.Start} overlaps the previous one ending at {previousEnd}");
            Assert.True(element.End <= document.Text.Length, $"element [{element.Start}, {element.End}) is outside the text of length {document.Text.Length}");
            Assert.True(element.Length > 0, "empty element");
            foreach (Range row in element.Rows)
            {
                (int offset, int length) = row.GetOffsetAndLength(document.Text.Length);
                Assert.True(offset >= element.Start && offset + length <= element.End, "table row outside its table");
            }

            previousEnd = element.End;
        }
    }
}
