using Llm.Stack.Chroma;
using Llm.Stack.Postgres;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>
/// The ingestion state kept in the store beside the chunks (<see cref="VectorStoreIngestionStateStore"/>), with the same
/// expectations on every store: what one writer saved, another (a new instance, as on another machine) loads, and its
/// run then agrees with the first on what is indexed; one writer at a time holds the lease.
/// </summary>
public abstract class IngestionStateStoreTests : IAsyncLifetime
{
    private const int Dimensions = 8;
    private readonly string _name = "ingest_" + Guid.NewGuid().ToString("N")[..10];

    protected abstract VectorStore Store { get; }

    private string StateName => _name + "_state";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Store.EnsureCollectionDeletedAsync(_name);
        await Store.EnsureCollectionDeletedAsync(StateName);
        Store.Dispose();
    }

    [Fact]
    public async Task A_state_saved_by_one_writer_is_loaded_by_another_whose_runs_agree_on_what_is_indexed()
    {
        var embedder = new WordHashEmbedder();
        var pipeline = new IngestionPipeline(embedder, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 16 }));
        VectorStoreCollection<string, ChunkRecord> chunks = Store.GetCollection<string, ChunkRecord>(_name, ChunkRecord.CreateDefinition(Dimensions));
        Document[] documents =
        [
            new("alpha.md", string.Join(" ", Enumerable.Repeat("Eyjafjallajokull erupted in 2010 and stopped European air traffic.", 6))),
            new("beta.md", "Katla is a volcano under the Myrdalsjokull glacier."),
            new("gamma.md", "Hekla and Grimsvotn are the most active volcanoes of Iceland."),
        ];

        // The first writer ingests and saves at its checkpoints.
        using (var first = new VectorStoreIngestionStateStore(Store, StateName))
        {
            List<IngestionResult> added = await RunAsync(pipeline, chunks, first, documents);
            Assert.All(added, r => Assert.Equal(IngestionStatus.Added, r.Status));
        }

        // Another writer loads what the first saved: the same documents and chunk keys as the store holds.
        using var second = new VectorStoreIngestionStateStore(Store, StateName);
        IngestionState loaded = await second.LoadAsync();
        Assert.Equal(["alpha.md", "beta.md", "gamma.md"], loaded.GetDocumentIds());
        string[] stored = await AllKeysAsync(chunks);
        Assert.Equal(stored, loaded.GetDocumentIds().SelectMany(loaded.GetCommittedChunkKeys).Order(StringComparer.Ordinal));
        Assert.True(loaded.GetCommittedChunkKeys("alpha.md").Count > 1);

        // Its run finds every document unchanged and embeds nothing.
        int embedded = embedder.Embedded;
        List<IngestionResult> again = await RunAsync(pipeline, chunks, second, documents, loaded);
        Assert.All(again, r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
        Assert.Equal(embedded, embedder.Embedded);

        // A change and a removal saved by the second writer are what a third one loads.
        Document[] changed = [documents[0], new("beta.md", "Katla last erupted in 1918."), ];
        List<IngestionResult> update = await RunAsync(pipeline, chunks, second, changed, loaded);
        Assert.Equal(IngestionStatus.Changed, update.Single(r => r.DocumentId == "beta.md").Status);
        Assert.Equal(2, update.Single(r => r.DocumentId == "beta.md").Version);
        Assert.Equal(IngestionStatus.Removed, update.Single(r => r.DocumentId == "gamma.md").Status);

        using var third = new VectorStoreIngestionStateStore(Store, StateName);
        IngestionState reloaded = await third.LoadAsync();
        Assert.Equal(["alpha.md", "beta.md"], reloaded.GetDocumentIds());
        Assert.Equal(await AllKeysAsync(chunks), reloaded.GetDocumentIds().SelectMany(reloaded.GetCommittedChunkKeys).Order(StringComparer.Ordinal));
        Assert.All(await RunAsync(pipeline, chunks, third, changed, reloaded), r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
    }

    [Fact]
    public async Task One_writer_at_a_time_holds_the_lease_and_the_next_goes_on_when_it_is_released()
    {
        using var first = new VectorStoreIngestionStateStore(Store, StateName);
        using var second = new VectorStoreIngestionStateStore(Store, StateName);
        IAsyncDisposable lease = await first.AcquireWriterAsync(Timeout.InfiniteTimeSpan);

        string? told = null;
        var refused = await Assert.ThrowsAsync<TimeoutException>(() => second.AcquireWriterAsync(TimeSpan.FromSeconds(1), m => told = m));
        Assert.Contains(StateName, refused.Message, StringComparison.Ordinal);
        Assert.Contains("waiting", told, StringComparison.Ordinal);

        Task<IAsyncDisposable> waiting = second.AcquireWriterAsync(Timeout.InfiniteTimeSpan);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted, "the second writer went on while the first held the lease");

        await lease.DisposeAsync();
        IAsyncDisposable next = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<TimeoutException>(() => first.AcquireWriterAsync(TimeSpan.Zero));
        await next.DisposeAsync();
        await (await first.AcquireWriterAsync(TimeSpan.FromSeconds(30))).DisposeAsync();
    }

    [Fact]
    public async Task Bad_arguments_are_refused_naming_the_argument()
    {
        Assert.Equal("store", Assert.Throws<ArgumentNullException>(() => new VectorStoreIngestionStateStore(null!, "x")).ParamName);
        Assert.Equal("collectionName", Assert.Throws<ArgumentException>(() => new VectorStoreIngestionStateStore(Store, " ")).ParamName);
        using var store = new VectorStoreIngestionStateStore(Store, StateName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => store.LeaseDuration = TimeSpan.FromMilliseconds(10)).ParamName);
        Assert.Equal("state", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.SaveAsync(null!))).ParamName);
        Assert.Equal("timeout", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AcquireWriterAsync(TimeSpan.FromSeconds(-2)))).ParamName);
    }

    private static async Task<List<IngestionResult>> RunAsync(
        IngestionPipeline pipeline, VectorStoreCollection<string, ChunkRecord> chunks, VectorStoreIngestionStateStore store, Document[] documents, IngestionState? state = null)
    {
        state ??= await store.LoadAsync();
        await using IAsyncDisposable lease = await store.AcquireWriterAsync(TimeSpan.FromSeconds(30));
        var options = new IngestionOptions { State = state, Checkpoint = ct => store.SaveAsync(state, ct), CheckpointInterval = 2 };
        return await pipeline.IngestAsync(documents.ToAsyncEnumerable(), chunks, options).ToListAsync();
    }

    private static async Task<string[]> AllKeysAsync(VectorStoreCollection<string, ChunkRecord> chunks) =>
        [.. (await chunks.GetAsync(r => r.DocumentId != string.Empty, 10_000).ToListAsync()).Select(r => r.Key).Order(StringComparer.Ordinal)];

    /// <summary>A deterministic embedder (the embedder is not under test): each word adds a hash-chosen ±1 to a dimension.</summary>
    private sealed class WordHashEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _embedded;

        public int Embedded => Volatile.Read(ref _embedded);

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            List<string> list = [.. values];
            Interlocked.Add(ref _embedded, list.Count);
            return Task.FromResult<GeneratedEmbeddings<Embedding<float>>>([.. list.Select(v => new Embedding<float>(Embed(v)))]);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }

        private static float[] Embed(string value)
        {
            var vector = new float[Dimensions];
            vector[0] = 0.5f;
            foreach (string word in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int hash = StringComparer.Ordinal.GetHashCode(word.ToUpperInvariant()) & int.MaxValue;
                vector[hash % Dimensions] += (hash & 64) == 0 ? 1 : -1;
            }

            float norm = MathF.Sqrt(vector.Sum(v => v * v));
            return [.. vector.Select(v => v / norm)];
        }
    }
}

public sealed class InMemoryIngestionStateStoreTests : IngestionStateStoreTests
{
    protected override VectorStore Store { get; } = new InMemoryVectorStore();
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresIngestionStateStoreTests(PostgresServer server) : IngestionStateStoreTests
{
    protected override VectorStore Store { get; } = new PostgresVectorStore(server.ConnectionString);
}

[Collection(ChromaServerGroup.Name)]
public sealed class ChromaIngestionStateStoreTests(ChromaServer server) : IngestionStateStoreTests
{
    protected override VectorStore Store { get; } = new ChromaVectorStore(server.Endpoint);
}
