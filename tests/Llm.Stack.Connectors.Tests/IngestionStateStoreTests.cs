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

    /// <summary>Gets the name of the state collection of the test.</summary>
    protected string StateName => _name + "_state";

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
    public async Task The_embedder_recorded_by_one_writer_is_what_another_reads()
    {
        using (var first = new VectorStoreIngestionStateStore(Store, StateName))
        {
            Assert.Null(await first.LoadEmbedderAsync());
            await first.SaveEmbedderAsync(new EmbeddingGeneratorMetadata("onnx", null, "all-MiniLM-L6-v2", 384));
        }

        // Another process (a new instance, as on another machine) reads it; a rebuild's record replaces it.
        using var second = new VectorStoreIngestionStateStore(Store, StateName);
        EmbeddingGeneratorMetadata? recorded = await second.LoadEmbedderAsync();
        Assert.Equal(("all-MiniLM-L6-v2", 384), (recorded?.DefaultModelId, recorded?.DefaultModelDimensions));
        await second.SaveEmbedderAsync(new EmbeddingGeneratorMetadata(null, null, "bge-small-en-v1.5", 384));
        using var third = new VectorStoreIngestionStateStore(Store, StateName);
        Assert.Equal("bge-small-en-v1.5", (await third.LoadEmbedderAsync())?.DefaultModelId);

        // The record is not a document of the state.
        Assert.Equal(0, (await third.LoadAsync()).Count);
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
        Assert.Equal("embedder", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.SaveEmbedderAsync(null!))).ParamName);
        Assert.Equal("embedder", (await Assert.ThrowsAsync<ArgumentException>(() => store.SaveEmbedderAsync(new EmbeddingGeneratorMetadata(null, null, "m", null)))).ParamName);
        Assert.Equal("embedder", (await Assert.ThrowsAsync<ArgumentException>(() => store.SaveEmbedderAsync(new EmbeddingGeneratorMetadata(null, null, " ", 8)))).ParamName);
    }

    /// <summary>
    /// A run before the server restarts, then, on the same store instance (its pooled connections cut by the restart), a
    /// new writer after it: it takes the lease, loads the state and the embedder saved before, and finds every document unchanged.
    /// </summary>
    protected async Task AssertIngestionResumesAfterRestartAsync(Func<Task> restart)
    {
        var embedder = new WordHashEmbedder();
        var pipeline = new IngestionPipeline(embedder, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 16 }));
        VectorStoreCollection<string, ChunkRecord> chunks = Store.GetCollection<string, ChunkRecord>(_name, ChunkRecord.CreateDefinition(Dimensions));
        Document[] documents = [.. Enumerable.Range(0, 12).Select(i => new Document($"doc{i}.md", $"Station {i} measured {i * 7} tremors under volcano {i} before the eruption."))];
        using (var before = new VectorStoreIngestionStateStore(Store, StateName))
        {
            Assert.All(await RunAsync(pipeline, chunks, before, documents), r => Assert.Equal(IngestionStatus.Added, r.Status));
            await before.SaveEmbedderAsync(new EmbeddingGeneratorMetadata(null, null, "word-hash", Dimensions));
        }

        string[] stored = await AllKeysAsync(chunks);
        await restart();

        using var after = new VectorStoreIngestionStateStore(Store, StateName);
        Assert.Equal("word-hash", (await after.LoadEmbedderAsync())?.DefaultModelId);
        IngestionState state = await after.LoadAsync();
        Assert.Equal(12, state.Count);
        int embedded = embedder.Embedded;
        Assert.All(await RunAsync(pipeline, chunks, after, documents, state), r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
        Assert.Equal(embedded, embedder.Embedded);
        Assert.Equal(stored, await AllKeysAsync(chunks));
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

/// <summary>
/// Against PostgreSQL, whose advisory locks make the writer lease safe: writers that start at the same moment never
/// hold it together, and one whose session ended (a killed process) is taken over at once, whatever its lease record says.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresIngestionStateStoreTests(PostgresServer server) : IngestionStateStoreTests
{
    protected override VectorStore Store { get; } = new PostgresVectorStore(server.ConnectionString);

    [Fact]
    public Task An_ingestion_resumes_from_the_server_state_after_the_server_restarts() => AssertIngestionResumesAfterRestartAsync(server.RestartAsync);

    [Fact]
    public async Task Writers_that_start_at_the_same_moment_never_hold_the_lease_together()
    {
        VectorStoreIngestionStateStore[] writers = [.. Enumerable.Range(0, 8).Select(_ => new VectorStoreIngestionStateStore(Store, StateName))];
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int inside = 0, most = 0, done = 0;
        Task[] runs = [.. writers.Select(async writer =>
        {
            await go.Task;
            await using (await writer.AcquireWriterAsync(Timeout.InfiniteTimeSpan))
            {
                int now = Interlocked.Increment(ref inside);
                int seen;
                while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen)
                {
                }

                await Task.Delay(50);
                Interlocked.Decrement(ref inside);
                Interlocked.Increment(ref done);
            }
        })];
        go.SetResult();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal((1, 8), (most, done));
        Array.ForEach(writers, w => w.Dispose());
    }

    [Fact]
    public async Task A_holder_whose_session_ended_is_taken_over_at_once()
    {
        using var first = new VectorStoreIngestionStateStore(Store, StateName);
        using var second = new VectorStoreIngestionStateStore(Store, StateName);
        IAsyncDisposable held = await first.AcquireWriterAsync(TimeSpan.Zero);
        await Assert.ThrowsAsync<TimeoutException>(() => second.AcquireWriterAsync(TimeSpan.FromSeconds(1)));

        // The holder's session ends, as when its process is killed: its lease record (30 s, a live process of this
        // machine) still looks held, but the server released the lock, and the next writer goes on within its timeout.
        Assert.Equal(1, await TerminateLockHolderAsync($"llmstack:public:{StateName}"));
        IAsyncDisposable next = await second.AcquireWriterAsync(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TimeoutException>(() => first.AcquireWriterAsync(TimeSpan.Zero));

        // Releasing the lost lease changes nothing for the new holder.
        await held.DisposeAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => first.AcquireWriterAsync(TimeSpan.Zero));
        await next.DisposeAsync();
        await (await first.AcquireWriterAsync(TimeSpan.FromSeconds(5))).DisposeAsync();
    }

    /// <summary>Ends the sessions holding the advisory lock of <paramref name="name"/> (its 64-bit key as pg_locks shows it); returns how many.</summary>
    private async Task<int> TerminateLockHolderAsync(string name)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(server.ConnectionString);
        await using Npgsql.NpgsqlCommand command = dataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(l.pid))::int FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) h " +
            "WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted " +
            "AND l.classid::bigint = ((h.k >> 32) & 4294967295) AND l.objid::bigint = (h.k & 4294967295)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = name });
        return (int)(await command.ExecuteScalarAsync())!;
    }
}

[Collection(ChromaServerGroup.Name)]
public sealed class ChromaIngestionStateStoreTests(ChromaServer server) : IngestionStateStoreTests
{
    protected override VectorStore Store { get; } = new ChromaVectorStore(server.Endpoint);

    [Fact]
    public Task An_ingestion_resumes_from_the_server_state_after_the_server_restarts() => AssertIngestionResumesAfterRestartAsync(server.RestartAsync);
}
