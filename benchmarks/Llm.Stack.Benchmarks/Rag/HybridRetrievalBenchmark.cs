using BenchmarkDotNet.Attributes;
using Llm.Stack;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Rag;

/// <summary>
/// Hybrid retrieval (exact float32 vector search in the in-memory MEVD store + BM25, fused by RRF, top 10) over
/// 100,000 chunks of 384 dimensions. The query embedding is precomputed, so the model's cost is not measured.
/// The target is for one core: <see cref="Cores"/> = 1 keeps the vector scan on the calling thread
/// (<see cref="InMemoryVectorStoreOptions.MaxDegreeOfParallelism"/>); 2 is the store's default on this machine.
/// </summary>
[MemoryDiagnoser]
public class HybridRetrievalBenchmark
{
    private const int Count = 100_000;
    private const int Dimensions = 384;
    private HybridRetriever _hybrid = null!;
    private VectorStoreRetriever<string, ChunkRecord> _vector = null!;
    private Bm25Retriever<string> _keyword = null!;

    [Params(1, 2)]
    public int Cores { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        string[] vocabulary = Enumerable.Range(0, 5000).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        InMemoryVectorCollection<string, ChunkRecord> collection = new InMemoryVectorStore(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = Cores }).GetCollection<string, ChunkRecord>("bench");
        collection.EnsureCollectionExistsAsync().GetAwaiter().GetResult();
        var chunks = new List<DocumentChunk>(Count);
        var records = new List<ChunkRecord>(Count);
        for (int i = 0; i < Count; i++)
        {
            string text = string.Join(' ', Enumerable.Range(0, 40).Select(_ => vocabulary[(int)Math.Min(vocabulary.Length - 1, Math.Abs(random.NextDouble() * random.NextDouble()) * vocabulary.Length)]));
            var vector = new float[Dimensions];
            for (int d = 0; d < Dimensions; d++)
            {
                vector[d] = (float)((random.NextDouble() * 2) - 1);
            }

            var chunk = new DocumentChunk("doc" + (i / 20).ToString(System.Globalization.CultureInfo.InvariantCulture), i % 20, text);
            chunks.Add(chunk);
            records.Add(new ChunkRecord { Key = chunk.Id, Text = text, DocumentId = chunk.DocumentId, Ordinal = chunk.Ordinal, Embedding = vector });
        }

        foreach (ChunkRecord[] batch in records.Chunk(10_000))
        {
            collection.UpsertAsync(batch).GetAwaiter().GetResult();
        }

        var query = new float[Dimensions];
        for (int d = 0; d < Dimensions; d++)
        {
            query[d] = (float)((random.NextDouble() * 2) - 1);
        }

        _vector = VectorStoreRetriever.ForChunkRecords(collection, new FixedEmbeddingGenerator(query));
        _keyword = Bm25Retriever.FromChunks(chunks);
        _hybrid = new HybridRetriever([_vector, _keyword]);
    }

    [Benchmark(Baseline = true)]
    public Task<IReadOnlyList<RetrievedChunk>> VectorOnly() => _vector.RetrieveAsync("w12 w345 w7 w2048", new RetrievalOptions { Top = 10 });

    [Benchmark]
    public Task<IReadOnlyList<RetrievedChunk>> Bm25Only() => _keyword.RetrieveAsync("w12 w345 w7 w2048", new RetrievalOptions { Top = 10 });

    [Benchmark]
    public Task<IReadOnlyList<RetrievedChunk>> Hybrid() => _hybrid.RetrieveAsync("w12 w345 w7 w2048", new RetrievalOptions { Top = 10 });

    private sealed class FixedEmbeddingGenerator(float[] vector) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(_ => new Embedding<float>(vector))));

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
