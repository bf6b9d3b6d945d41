using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Local.Tests;

/// <summary>
/// <see cref="LocalDefaultsOptions.KeepIngestionStateInStore"/>: two indexes with their own folders (as on two machines)
/// over one store that keeps the chunks agree on what is indexed, because the state lives in the store.
/// The same against real PostgreSQL and Chroma servers, through the CLI: <c>SharedStoreIngestTests</c>.
/// </summary>
public sealed class StateInStoreTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Two_index_folders_over_one_store_agree_on_what_is_indexed_and_no_state_file_is_written()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        using var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { PersistenceDirectory = _folder.Path("server") });
        var embedder = new DeterministicEmbedder();
        var options = new LocalDefaultsOptions { KeepIngestionStateInStore = true };

        using (var first = new LocalIndex(_folder.Path("first"), embedder, options, store))
        {
            List<IngestionResult> added = await IngestAsync(first, embedder, docs);
            Assert.Equal(6, added.Count(r => r.Status == IngestionStatus.Added));
        }

        int embedded = embedder.Embedded;
        using (var second = new LocalIndex(_folder.Path("second"), embedder, options, store))
        {
            List<IngestionResult> again = await IngestAsync(second, embedder, docs);
            Assert.Equal(6, again.Count(r => r.Status == IngestionStatus.Unchanged));
            Assert.Equal(embedded, embedder.Embedded);
            Assert.Empty(second.LastCheck!.Problems);
        }

        // An update made through the second folder is what the first sees next.
        string updated = _folder.WriteCorpus("docs", 2);
        using (var second = new LocalIndex(_folder.Path("second"), embedder, options, store))
        {
            Assert.Contains(await IngestAsync(second, embedder, updated), r => r.Status == IngestionStatus.Changed);
        }

        using (var first = new LocalIndex(_folder.Path("first"), embedder, options, store))
        {
            Assert.All(await IngestAsync(first, embedder, updated), r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
            Assert.Equal(6, first.DocumentCount);
        }

        Assert.Empty(Directory.GetFiles(_folder.Root, "*.state.json", SearchOption.AllDirectories));
        Assert.True(await store.CollectionExistsAsync("documents" + LocalIndex.StateCollectionSuffix));
    }

    [Fact]
    public async Task A_folder_whose_embedder_differs_from_the_one_the_store_records_is_refused_until_it_rebuilds()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        using var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { PersistenceDirectory = _folder.Path("server") });
        var embedder = new DeterministicEmbedder();
        var options = new LocalDefaultsOptions { KeepIngestionStateInStore = true };
        using (var first = new LocalIndex(_folder.Path("first"), embedder, options, store))
        {
            Assert.All(await IngestAsync(first, embedder, docs), r => Assert.Equal(IngestionStatus.Added, r.Status));
        }

        // Another machine with another model of the same width: its own folder has no index.json, only the store can tell.
        using var other = new RenamedEmbedder(embedder, "other-32");
        int embedded = embedder.Embedded;
        using (var second = new LocalIndex(_folder.Path("second"), other, options, store))
        {
            EmbedderMismatchException refused = await Assert.ThrowsAsync<EmbedderMismatchException>(() => second.OpenAsync());
            Assert.Equal(("hash-32", 32, "other-32", 32), (refused.IndexModel, refused.IndexDimensions, refused.ConfiguredModel, refused.ConfiguredDimensions));
            await Assert.ThrowsAsync<EmbedderMismatchException>(() => IngestAsync(second, other, docs));
        }

        Assert.Equal(embedded, embedder.Embedded);
        using (var first = new LocalIndex(_folder.Path("first"), embedder, options, store))
        {
            Assert.All(await IngestAsync(first, embedder, docs), r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
        }

        // A rebuild with the other embedder re-embeds every document and records it: now the first folder's embedder is refused.
        using (var second = new LocalIndex(_folder.Path("second"), other, options, store))
        {
            await second.OpenAsync(rebuild: true);
            Assert.All(await IngestAsync(second, other, docs), r => Assert.Equal(IngestionStatus.Added, r.Status));
        }

        using (var first = new LocalIndex(_folder.Path("first"), embedder, options, store))
        {
            EmbedderMismatchException refused = await Assert.ThrowsAsync<EmbedderMismatchException>(() => first.OpenAsync());
            Assert.Equal(("other-32", "hash-32"), (refused.IndexModel, refused.ConfiguredModel));
        }
    }

    [Fact]
    public void The_state_cannot_be_kept_in_the_index_own_in_memory_store()
    {
        var options = new LocalDefaultsOptions { KeepIngestionStateInStore = true };
        ArgumentException error = Assert.Throws<ArgumentException>(() => new LocalIndex(_folder.Path("data"), new DeterministicEmbedder(), options));
        Assert.Equal("options", error.ParamName);
    }

    private static async Task<List<IngestionResult>> IngestAsync(LocalIndex index, IEmbeddingGenerator<string, Embedding<float>> embedder, string docs)
    {
        var source = new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { docs } });
        var pipeline = new IngestionPipeline(embedder, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 48 }));
        return await index.IngestAsync(pipeline, source.EnumerateItemsAsync(), new IngestionOptions { MaxDegreeOfParallelism = 1 }).ToListAsync();
    }

    /// <summary>The same vectors under another model id: what a machine configured with another model of the same width reports.</summary>
    private sealed class RenamedEmbedder(IEmbeddingGenerator<string, Embedding<float>> inner, string modelId) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        private readonly EmbeddingGeneratorMetadata _metadata = new("renamed", null, modelId, DeterministicEmbedder.Dimensions);

        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : base.GetService(serviceType, serviceKey);
    }
}
