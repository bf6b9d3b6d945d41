using System.Text;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>Helpers for the ingestion tests: a real in-memory store, documents, and draining runs.</summary>
internal static class IngestionTestKit
{
    public static VectorStoreCollection<string, ChunkRecord> NewCollection(string name = "docs") =>
        new InMemoryVectorStore().GetCollection<string, ChunkRecord>(name);

    public static async Task<List<ChunkRecord>> AllRecordsAsync(VectorStoreCollection<string, ChunkRecord> collection) =>
        await collection.GetAsync(r => r.DocumentId != string.Empty, 100_000, new FilteredRecordRetrievalOptions<ChunkRecord> { IncludeVectors = true }).ToListAsync();

    public static async Task<List<IngestionResult>> RunAsync(
        IngestionPipeline pipeline, VectorStoreCollection<string, ChunkRecord> collection, IngestionOptions? options, params Document[] documents) =>
        await pipeline.IngestAsync(documents.ToAsyncEnumerable(), collection, options).ToListAsync();

    public static async Task<List<IngestionResult>> RunItemsAsync(
        IngestionPipeline pipeline, VectorStoreCollection<string, ChunkRecord> collection, IngestionOptions? options, params IngestionItem[] items) =>
        await pipeline.IngestAsync(items.ToAsyncEnumerable(), collection, options).ToListAsync();

    public static IngestionItem Bytes(string id, byte[] content, string? mediaType = null) =>
        new(id, _ => Task.FromResult<Stream>(new MemoryStream(content))) { MediaType = mediaType };

    public static IngestionItem Text(string id, string content) => Bytes(id, Encoding.UTF8.GetBytes(content));

    /// <summary>A document of several paragraphs, each about its own topic, large enough for several chunks.</summary>
    public static Document Article(string id, string topic, int paragraphs = 6) =>
        new(id, string.Join("\n\n", Enumerable.Range(1, paragraphs).Select(p =>
            $"Paragraph {p} about {topic}. " + string.Join(' ', Enumerable.Range(0, 30).Select(w => $"{topic}{(p * 31) + w}")) + ".")));

    /// <summary>Options whose state is read from <paramref name="statePath"/> (as a new process would) and written back at each checkpoint.</summary>
    public static async Task<IngestionOptions> PersistedStateAsync(string statePath, IngestionOptions? options = null)
    {
        options = options?.Clone() ?? new IngestionOptions();
        IngestionState state = new();
        if (File.Exists(statePath))
        {
            await using FileStream stream = File.OpenRead(statePath);
            state = await IngestionState.LoadAsync(stream);
        }

        options.State = state;
        options.Checkpoint = async ct =>
        {
            await using FileStream stream = File.Create(statePath);
            await state.SaveAsync(stream, ct);
        };
        return options;
    }

    public static IngestionOptions SmallChunks() => new()
    {
        EmbeddingBatchSize = 4,
        MaxDegreeOfParallelism = 2,
    };
}
