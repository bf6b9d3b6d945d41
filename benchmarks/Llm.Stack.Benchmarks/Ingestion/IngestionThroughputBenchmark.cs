using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Llm.Stack.Benchmarks.Chunking;
using Llm.Stack.Onnx;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Ingestion;

/// <summary>
/// End-to-end ingestion with the real all-MiniLM-L6-v2 embedder (<see cref="MiniLmEmbeddingGenerator"/>): the first
/// 2 MB of the chunking corpus (<see cref="ChunkingCorpus"/>, whole files in name order) through
/// <see cref="IngestionPipeline"/> (normalisation, its default chunker — recursive, counted with MiniLM's own WordPiece
/// tokenizer, at most 256 tokens — batched embedding, upsert) into a fresh in-memory <see cref="InMemoryVectorStore"/>
/// collection per operation. <c>Ingest</c>'s time per operation gives documents/s and chunks/s (the counts are
/// printed by the setup, <c>INGEST</c> lines). <c>EmbedSentences</c> is the embedder alone, per sentence, for reference.
/// Run with <c>--inProcess --strategy Monitoring --launchCount 1 --warmupCount 0 --iterationCount 1</c>: an operation
/// takes one to two minutes on two cores (MiniLM chunks are up to 256 tokens), and the in-process toolchain stops a
/// case after five minutes.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the state in [GlobalCleanup].")]
public class IngestionThroughputBenchmark
{
    private const long SubsetBytes = 2L * 1024 * 1024;
    private const int SentencesPerOperation = 64;

    private OnnxEmbeddingGenerator _embedder = null!;
    private Document[] _documents = [];
    private string[] _sentences = [];

    private long _bytes;
    private int _lastDocuments;
    private long _lastChunks;

    /// <summary>
    /// Gets or sets the configuration: <c>P</c> = how many documents, and embedding calls, the pipeline runs at once
    /// (<see cref="IngestionOptions.MaxDegreeOfParallelism"/>, default 2); <c>T</c> = ONNX Runtime's threads per
    /// operator (0: one per physical core, the default).
    /// </summary>
    [Params("P2-T0", "P1-T0", "P2-T1")]
    public string Config { get; set; } = "P2-T0";

    private int Parallelism => Config[1] - '0';

    private int IntraOpThreads => Config[^1] - '0';

    [GlobalSetup]
    public void Setup()
    {
        _embedder = MiniLmEmbeddingGenerator.Create(o => o.IntraOpThreads = IntraOpThreads);
        var documents = new List<Document>();
        long bytes = 0;
        foreach ((string path, string text) in ChunkingCorpus.Files())
        {
            if (bytes >= SubsetBytes)
            {
                break;
            }

            documents.Add(new Document(Path.GetFileNameWithoutExtension(path), text));
            bytes += new FileInfo(path).Length;
        }

        _documents = [.. documents];
        _bytes = bytes;

        // Sentences of 10-40 words from the same text, for the embedder-only reference.
        _sentences = [.. _documents.SelectMany(d => d.Text.Split(". ", StringSplitOptions.TrimEntries))
            .Select(s => s.ReplaceLineEndings(" "))
            .Where(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is >= 10 and <= 40)
            .Take(SentencesPerOperation)];

    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// INGEST {_lastDocuments} documents, {_bytes / 1e6:F2} MB, {_lastChunks} chunks, {_sentences.Length} reference sentences; Parallelism={Parallelism}, IntraOpThreads={IntraOpThreads}, {Environment.ProcessorCount} cores");
        _embedder.Dispose();
    }

    /// <summary>Ingests the 2 MB subset into an empty store.</summary>
    [Benchmark]
    public long Ingest()
    {
        (_lastDocuments, _lastChunks) = IngestOnce();
        return _lastChunks;
    }

    /// <summary>Embeds 64 sentences of the subset in one call (batches of 32); the time is per sentence.</summary>
    [Benchmark(OperationsPerInvoke = SentencesPerOperation)]
    public int EmbedSentences() => _embedder.GenerateAsync(_sentences).GetAwaiter().GetResult().Count;

    private (int Documents, long Chunks) IngestOnce()
    {
        var pipeline = new IngestionPipeline(_embedder, options: new IngestionOptions { MaxDegreeOfParallelism = Parallelism });
        InMemoryVectorCollection<string, ChunkRecord> collection = new InMemoryVectorStore().GetCollection<string, ChunkRecord>("ingest");
        return Run(pipeline, collection, _documents).GetAwaiter().GetResult();

        static async Task<(int, long)> Run(IngestionPipeline pipeline, InMemoryVectorCollection<string, ChunkRecord> collection, Document[] documents)
        {
            int count = 0;
            long chunks = 0;
            await foreach (IngestionResult result in pipeline.IngestAsync(documents.ToAsyncEnumerable(), collection))
            {
                if (result.Status != IngestionStatus.Added)
                {
                    throw new InvalidOperationException($"{result.DocumentId}: {result.Status} {result.Error}");
                }

                count++;
                chunks += result.ChunkCount;
            }

            return (count, chunks);
        }
    }
}
