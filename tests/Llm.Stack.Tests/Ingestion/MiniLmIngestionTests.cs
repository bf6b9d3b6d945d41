using Llm.Stack.Onnx;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>
/// Real documents (the committed sample corpus) through the real pipeline with the real MiniLM embedder and the
/// in-memory vector store: the chunk that answers a question is retrieved, and nothing is re-embedded on a second run.
/// </summary>
public sealed class MiniLmIngestionTests
{
    private static readonly string[] DocumentIds = ["iceland", "japan", "kenya"];

    [Fact]
    public async Task IngestedSampleDocumentsAnswerQuestionsAndAreNotReembedded()
    {
        using OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create();
        var pipeline = new IngestionPipeline(embedder);
        InMemoryVectorCollection<string, ChunkRecord> collection = new InMemoryVectorStore().GetCollection<string, ChunkRecord>("samples");
        List<Document> documents = await ReadAsync();

        List<IngestionResult> first = await pipeline.IngestAsync(documents.ToAsyncEnumerable(), collection).ToListAsync();

        Assert.Equal(DocumentIds, first.Select(r => r.DocumentId).Order(StringComparer.Ordinal));
        Assert.All(first, r => Assert.Equal(IngestionStatus.Added, r.Status));
        Assert.All(first, r => Assert.True(r.ChunkCount > 1, $"{r.DocumentId} has {r.ChunkCount} chunks"));

        var limits = (EmbeddingInputLimits)embedder.GetService(typeof(EmbeddingInputLimits))!;
        IRetriever retriever = VectorStoreRetriever.ForChunkRecords(collection, embedder);
        await AssertAnsweredAsync(retriever, limits, "What is the highest mountain in Iceland?", "iceland", "Hvannadalshnukur");
        await AssertAnsweredAsync(retriever, limits, "When did Kenya gain independence from the United Kingdom?", "kenya", "1963");

        List<IngestionResult> second = await pipeline.IngestAsync(documents.ToAsyncEnumerable(), collection).ToListAsync();
        Assert.All(second, r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
    }

    private static async Task AssertAnsweredAsync(IRetriever retriever, EmbeddingInputLimits limits, string question, string documentId, string answer)
    {
        IReadOnlyList<RetrievedChunk> results = await retriever.RetrieveAsync(question, new RetrievalOptions { Top = 3 });

        Assert.True(
            results.Any(r => r.Chunk.DocumentId == documentId && r.Chunk.Text.Contains(answer, StringComparison.Ordinal)),
            $"'{question}' retrieved: " + string.Join(" | ", results.Select(r => $"{r.Chunk.DocumentId} {r.Score:F3}: {r.Chunk.Text}")));
        Assert.All(results, r => Assert.InRange(limits.Tokenizer.CountTokens(r.Chunk.Text), 1, limits.MaxInputTokens));
    }

    private static async Task<List<Document>> ReadAsync()
    {
        var reader = new MarkdownReader();
        var documents = new List<Document>();
        foreach (string id in DocumentIds)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "SampleData", id + ".md");
            await using FileStream stream = File.OpenRead(path);
            await foreach (Document document in reader.ReadAsync(stream, new DocumentReadContext(id) { Source = new Uri(path), MediaType = "text/markdown" }))
            {
                documents.Add(document);
            }
        }

        return documents;
    }
}
