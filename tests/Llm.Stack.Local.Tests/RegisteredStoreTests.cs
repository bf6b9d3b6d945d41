using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Local.Tests;

/// <summary><c>AddLocalDefaults</c> keeps its chunks in the store the application registered, and falls back to its own persisted index.</summary>
public sealed class RegisteredStoreTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Without_a_registered_store_the_index_owns_a_persisted_in_memory_store()
    {
        await using ServiceProvider provider = Build(_folder.Path("data"));
        LocalIndex index = provider.GetRequiredService<LocalIndex>();

        Assert.True(index.SavesSnapshots);
        Assert.Same(index.Store, provider.GetRequiredService<VectorStore>());
        await IngestAsync(provider, _folder.WriteCorpus("docs", 1));
        Assert.NotEmpty(Directory.GetFiles(_folder.Path("data"), "documents.*.lsvi"));
    }

    [Fact]
    public async Task A_store_registered_in_code_after_AddLocalDefaults_holds_the_chunks_and_is_snapshotted_by_the_index()
    {
        string data = _folder.Path("data");
        string docs = _folder.WriteCorpus("docs", 1);
        int chunks;
        await using (ServiceProvider provider = Build(data, stack => stack.AddInMemoryVectorStore()))
        {
            LocalIndex index = provider.GetRequiredService<LocalIndex>();
            InMemoryVectorStore registered = provider.GetRequiredService<InMemoryVectorStore>();
            Assert.Same(registered, index.Store);
            Assert.True(index.SavesSnapshots);

            chunks = await IngestAsync(provider, docs);
            Assert.Equal(chunks, registered.GetCollectionInfo("documents")!.Count);
        }

        // A new process: the index loads its committed snapshot into the registered store.
        await using (ServiceProvider provider = Build(data, stack => stack.AddInMemoryVectorStore()))
        {
            LocalIndex index = provider.GetRequiredService<LocalIndex>();
            await index.OpenAsync();
            Assert.Equal(chunks, provider.GetRequiredService<InMemoryVectorStore>().GetCollectionInfo("documents")!.Count);
            Assert.Empty(index.LastCheck!.Problems);
        }
    }

    [Fact]
    public async Task A_keyed_store_is_used_when_the_options_name_its_key()
    {
        await using ServiceProvider provider = Build(_folder.Path("data"), stack => stack.AddKeyedInMemoryVectorStore("chunks"), o => o.VectorStoreKey = "chunks");

        LocalIndex index = provider.GetRequiredService<LocalIndex>();

        Assert.Same(provider.GetRequiredKeyedService<VectorStore>("chunks"), index.Store);
        int chunks = await IngestAsync(provider, _folder.WriteCorpus("docs", 1));
        Assert.Equal(chunks, provider.GetRequiredKeyedService<InMemoryVectorStore>("chunks").GetCollectionInfo("documents")!.Count);
    }

    [Fact]
    public async Task A_store_chosen_by_configuration_keeps_the_chunks_and_the_index_commits_only_the_state()
    {
        string data = _folder.Path("data");
        string docs = _folder.WriteCorpus("docs", 1);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:DataDirectory"] = data,
            ["LlmStack:VectorStore:Provider"] = "inmemory",
        }).Build();
        int chunks;
        await using (ServiceProvider provider = Build(null, configuration: configuration))
        {
            LocalIndex index = provider.GetRequiredService<LocalIndex>();
            Assert.False(index.SavesSnapshots);
            Assert.Same(provider.GetRequiredService<VectorStore>(), index.Store);
            chunks = await IngestAsync(provider, docs);
            Assert.Equal(chunks, index.Count);
        }

        // The store saved its own file; the index wrote the state generations and index.json, no snapshot of its own.
        Assert.True(File.Exists(Path.Combine(data, "documents.lsvi")));
        Assert.Empty(Directory.GetFiles(data, "documents.0*.lsvi"));
        Assert.NotEmpty(Directory.GetFiles(data, "documents.*.state.json"));

        await using (ServiceProvider provider = Build(null, configuration: configuration))
        {
            LocalIndex index = provider.GetRequiredService<LocalIndex>();
            await index.OpenAsync();
            Assert.Empty(index.LastCheck!.Problems);
            Assert.Equal((6, chunks), (index.DocumentCount, index.Count));

            // Nothing changed: nothing is re-read.
            List<IngestionResult> again = await index.IngestAsync(provider.GetRequiredService<IngestionPipeline>(), Items(docs)).ToListAsync();
            Assert.All(again, r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
        }
    }

    [Fact]
    public async Task Chunks_the_app_store_lost_after_a_commit_are_found_by_the_check_and_read_again()
    {
        string data = _folder.Path("data");
        string docs = _folder.WriteCorpus("docs", 1);
        var embedder = new DeterministicEmbedder();

        // A store that persists itself (here: one with a persistence folder) and that lost some writes, as a server
        // restored from an older backup would.
        string storeFolder = _folder.Path("store");
        int clean;
        using (var persisted = new InMemoryVectorStore(new InMemoryVectorStoreOptions { PersistenceDirectory = storeFolder }))
        using (var index = new LocalIndex(data, embedder, store: persisted))
        {
            Assert.False(index.SavesSnapshots);
            await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs)).ToListAsync();
            clean = index.Count;
            VectorStoreCollection<string, ChunkRecord> collection = index.Collection;
            List<string> lost = await collection.GetAsync(r => r.DocumentId == "a.md", 1000).Select(r => r.Key).ToListAsync();
            Assert.NotEmpty(lost);
            await collection.DeleteAsync(lost.Take(2));
        }

        using (var persisted = new InMemoryVectorStore(new InMemoryVectorStoreOptions { PersistenceDirectory = storeFolder }))
        using (var index = new LocalIndex(data, embedder, store: persisted))
        {
            await index.OpenAsync();
            Assert.Equal(1, index.LastCheck!.RepairedDocuments);
            Assert.NotEmpty(index.LastCheck.Problems);

            List<IngestionResult> results = await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs)).ToListAsync();
            // Only the damaged document is read again, and only its two lost chunks are embedded again.
            IngestionResult reread = Assert.Single(results, r => r.Status != IngestionStatus.Unchanged);
            Assert.Equal(("a.md", IngestionStatus.Changed), (reread.DocumentId, reread.Status));
            Assert.Equal(reread.ChunkCount - 2, reread.ReusedEmbeddings);
            Assert.Equal(clean, index.Count);
            Assert.Equal(clean, persisted.GetCollectionInfo("documents")!.Count);
        }
    }

    private static IAsyncEnumerable<IngestionItem> Items(string docs) =>
        new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { docs } }).EnumerateItemsAsync();

    private static async Task<int> IngestAsync(ServiceProvider provider, string docs)
    {
        LocalIndex index = provider.GetRequiredService<LocalIndex>();
        List<IngestionResult> results = await index.IngestAsync(provider.GetRequiredService<IngestionPipeline>(), Items(docs)).ToListAsync();
        Assert.Equal(6, results.Count(r => r.Status == IngestionStatus.Added));
        Assert.True(index.Count > 6);
        return index.Count;
    }

    private static ServiceProvider Build(string? data, Action<LlmStackBuilder>? register = null, Action<LocalDefaultsOptions>? configure = null, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        LlmStackBuilder builder = configuration is null ? services.AddLlmStack() : services.AddLlmStack(configuration);
        builder.AddEmbeddingGenerator(_ => new DeterministicEmbedder());
        builder.AddLocalDefaults(data, configure);
        register?.Invoke(builder);
        return services.BuildServiceProvider();
    }
}
