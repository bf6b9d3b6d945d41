using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Connectors;

/// <summary>
/// One ingestion run of <see cref="ConnectorStores.RecordCount"/> (100k) chunks into each store, the way <c>llmstack
/// ingest</c> writes to a server: the <see cref="IngestionPipeline"/> chunks documents (20 paragraphs each, one chunk per
/// paragraph), embeds them, and writes the chunks in its own batches (256 records per upsert) while its state is
/// checkpointed into the same store (<see cref="VectorStoreIngestionStateStore"/>, under its writer lease). The embedder
/// is a 384-dimension word-hashing one (<see cref="FnvEmbeddingGenerator"/>), so the run measures the stores, not a
/// model. After the run every chunk the state records as committed is read back by key (1,000 per call) and compared
/// with the text it was made from: one missing or different chunk, or a count short of the documents' paragraphs, fails
/// the run, so a completed run is a 100k-record ingestion with every record present.
/// </summary>
/// <remarks>Needs LLMSTACK_POSTGRES and LLMSTACK_CHROMA (eng/start-postgres.sh, eng/start-chroma.sh). Run by hand: <c>--filter *ConnectorIngestion*</c>.</remarks>
[Config(typeof(ConnectorJobs.IngestionConfig))]
public class ConnectorIngestionBenchmark
{
    private const int ParagraphsPerDocument = 20;
    private const string ChunksName = "bench_ingest";
    private const string StateName = "bench_ingest_state";

    private VectorStore _store = null!;
    private Document[] _documents = null!;
    private Dictionary<string, string> _paragraphs = null!;
    private IngestionState _state = null!;

    /// <summary>Gets the stores measured: <see cref="ConnectorStores.Selected"/>.</summary>
    public static IEnumerable<string> Stores => ConnectorStores.Selected;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = ConnectorStores.InMemory;

    [GlobalSetup]
    public void Setup()
    {
        _store = ConnectorStores.Create(Store);
        (_documents, _paragraphs) = Documents(ConnectorStores.RecordCount / ParagraphsPerDocument);
    }

    [IterationSetup]
    public void NewCollections()
    {
        _store.EnsureCollectionDeletedAsync(ChunksName).GetAwaiter().GetResult();
        _store.EnsureCollectionDeletedAsync(StateName).GetAwaiter().GetResult();
    }

    /// <summary>The whole ingestion run, from documents to chunks and state in the store.</summary>
    [Benchmark]
    public async Task<long> Ingest()
    {
        var pipeline = new IngestionPipeline(new FnvEmbeddingGenerator(ConnectorStores.Dimensions), new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 64 }));
        using var stateStore = new VectorStoreIngestionStateStore(_store, StateName);
        _state = await stateStore.LoadAsync();
        await using IAsyncDisposable lease = await stateStore.AcquireWriterAsync(TimeSpan.FromSeconds(30));
        IngestionState state = _state;
        var options = new IngestionOptions { State = state, Checkpoint = ct => stateStore.SaveAsync(state, ct) };
        long chunks = 0;
        await foreach (IngestionResult result in pipeline.IngestAsync(_documents.ToAsyncEnumerable(), Chunks(), options))
        {
            if (result.Status != IngestionStatus.Added)
            {
                throw new InvalidOperationException($"{Store}: {result.DocumentId}: {result.Status} {result.Error}");
            }

            chunks += result.ChunkCount;
        }

        await stateStore.SaveAsync(state);
        return chunks;
    }

    /// <summary>Reads every committed chunk back (the state as a second writer loads it from the store) and fails the run when one is missing, different, or the count is short.</summary>
    [IterationCleanup]
    public void VerifyEveryRecordPresent()
    {
        using var stateStore = new VectorStoreIngestionStateStore(_store, StateName);
        IngestionState loaded = stateStore.LoadAsync().GetAwaiter().GetResult();
        string[] keys = [.. loaded.GetDocumentIds().SelectMany(loaded.GetCommittedChunkKeys)];
        var texts = new HashSet<string>(_paragraphs.Values, StringComparer.Ordinal);
        int present = 0;
        foreach (string[] batch in keys.Chunk(1_000))
        {
            foreach (ChunkRecord stored in Chunks().GetAsync(batch).ToListAsync().AsTask().GetAwaiter().GetResult())
            {
                present += texts.Contains(stored.Text.Trim()) ? 1 : 0;
            }
        }

        if (loaded.GetDocumentIds().Count != _documents.Length || keys.Length < _paragraphs.Count || present != keys.Length)
        {
            throw new InvalidOperationException(
                $"{Store}: {loaded.GetDocumentIds().Count} of {_documents.Length} documents, {keys.Length} chunks committed for {_paragraphs.Count} paragraphs, {present} present and equal.");
        }

        Console.WriteLine($"// {Store}: {_documents.Length} documents ingested; all {present} committed chunks present and equal in the store.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.EnsureCollectionDeletedAsync(ChunksName).GetAwaiter().GetResult();
        _store.EnsureCollectionDeletedAsync(StateName).GetAwaiter().GetResult();
        _store.Dispose();
    }

    private VectorStoreCollection<string, ChunkRecord> Chunks() => ConnectorStores.Collection(_store, ChunksName);

    /// <summary>Seeded documents of <see cref="ParagraphsPerDocument"/> distinct paragraphs of about 30 words each, separated by blank lines.</summary>
    private static (Document[] Documents, Dictionary<string, string> Paragraphs) Documents(int count)
    {
        string[] words = ["volcano", "glacier", "river", "harbour", "engine", "ledger", "market", "forest", "signal", "bridge", "tunnel", "orbit", "archive", "lantern", "meadow", "quarry"];
        var random = new Random(23);
        var documents = new Document[count];
        var paragraphs = new Dictionary<string, string>(count * ParagraphsPerDocument, StringComparer.Ordinal);
        for (int d = 0; d < count; d++)
        {
            var text = new StringBuilder();
            for (int p = 0; p < ParagraphsPerDocument; p++)
            {
                var paragraph = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"Paragraph {p} of document {d}:"));
                for (int w = 0; w < 28; w++)
                {
                    paragraph.Append(' ').Append(words[random.Next(words.Length)]);
                }

                paragraph.Append('.');
                paragraphs[$"doc{d:D6}.md#{p}"] = paragraph.ToString();
                text.Append(paragraph).Append("\n\n");
            }

            documents[d] = new Document($"doc{d:D6}.md", text.ToString());
        }

        return (documents, paragraphs);
    }
}
