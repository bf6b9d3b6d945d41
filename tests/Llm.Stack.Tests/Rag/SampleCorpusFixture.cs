using System.Text.Json;
using Llm.Stack.Onnx;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Rag;

/// <summary>
/// The committed sample corpus (samples/data, public-domain World Factbook excerpts) read with the Markdown
/// reader, chunked with the recursive chunker, embedded with the built-in MiniLM model and stored in the
/// in-memory MEVD store: built once for all end-to-end tests.
/// </summary>
public sealed class SampleCorpusFixture : IAsyncLifetime
{
    public static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "SampleData");

    public OnnxEmbeddingGenerator Embedder { get; } = MiniLmEmbeddingGenerator.Create();

    public List<DocumentChunk> Chunks { get; } = [];

    public List<LabelledQuestion> Questions { get; } = [];

    public IRetriever Vector { get; private set; } = null!;

    public IRetriever Keyword { get; private set; } = null!;

    public IRetriever Hybrid { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var reader = new MarkdownReader();
        var chunker = new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 128, OverlapTokens = 16 });
        foreach (string path in Directory.EnumerateFiles(DataDirectory, "*.md").Where(p => Path.GetFileName(p) != "SOURCES.md").Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileNameWithoutExtension(path);
            await using FileStream stream = File.OpenRead(path);
            await foreach (Document document in reader.ReadAsync(stream, new DocumentReadContext(id) { Source = new Uri(path), MediaType = "text/markdown" }))
            {
                Chunks.AddRange(await chunker.ChunkAsync(document));
            }
        }

        GeneratedEmbeddings<Embedding<float>> vectors = await Embedder.GenerateAsync(Chunks.Select(c => c.Text));
        InMemoryVectorCollection<string, ChunkRecord> collection = new InMemoryVectorStore().GetCollection<string, ChunkRecord>("samples");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(Chunks.Select((c, i) => new ChunkRecord
        {
            Key = c.Id,
            Text = c.Text,
            DocumentId = c.DocumentId,
            Ordinal = c.Ordinal,
            Source = c.Metadata.TryGetValue("source", out object? s) ? s?.ToString() ?? string.Empty : string.Empty,
            SectionPath = string.Join(" > ", c.SectionPath),
            Embedding = vectors[i].Vector,
        }));

        Vector = VectorStoreRetriever.ForChunkRecords(collection, Embedder);
        Keyword = Bm25Retriever.FromChunks(Chunks);
        Hybrid = new HybridRetriever([Vector, Keyword]);

        foreach (string line in await File.ReadAllLinesAsync(Path.Combine(DataDirectory, "questions.jsonl")))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                Questions.Add(JsonSerializer.Deserialize<LabelledQuestion>(line, JsonSerializerOptions.Web)!);
            }
        }
    }

    public Task DisposeAsync()
    {
        Embedder.Dispose();
        return Task.CompletedTask;
    }

    public sealed record LabelledQuestion(string Id, string Question, string Document, string Answer)
    {
        public bool IsAnsweredBy(DocumentChunk chunk) => chunk.DocumentId == Document && chunk.Text.Contains(Answer, StringComparison.Ordinal);
    }
}
