using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

public sealed class EmbeddingGenerationTests
{
    [Fact]
    public async Task String_vector_properties_are_embedded_on_upsert_and_text_queries_on_search()
    {
        var generator = new HashEmbeddingGenerator();
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = generator });
        InMemoryVectorCollection<int, TextRecord> texts = store.GetCollection<int, TextRecord>("t");
        await texts.EnsureCollectionExistsAsync();
        await texts.UpsertAsync([new TextRecord { Id = 1, Text = "the quick brown fox" }, new TextRecord { Id = 2, Text = "a lazy sleeping dog" }]);

        List<VectorSearchResult<TextRecord>> found = await texts.SearchAsync("quick brown fox", 1).ToListAsync();

        Assert.Equal(1, found[0].Record.Id);
        Assert.Equal("the quick brown fox", found[0].Record.Text);
        Assert.Equal(2, generator.Calls);
        await Assert.ThrowsAsync<NotSupportedException>(() => texts.GetAsync(1, new RecordRetrievalOptions { IncludeVectors = true }));
    }

    [Fact]
    public async Task Vector_properties_can_be_searched_by_text_with_a_store_generator()
    {
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = new HashEmbeddingGenerator(4) });
        InMemoryVectorCollection<string, Hotel> hotels = store.GetCollection<string, Hotel>("h");
        await hotels.EnsureCollectionExistsAsync();
        await hotels.UpsertAsync(
        [
            new Hotel { Id = "sea", Embedding = HashEmbeddingGenerator.Embed("sea view", 4) },
            new Hotel { Id = "city", Embedding = HashEmbeddingGenerator.Embed("downtown city", 4) },
        ]);

        List<VectorSearchResult<Hotel>> found = await hotels.SearchAsync("sea view", 1).ToListAsync();

        Assert.Equal("sea", found[0].Record.Id);
        Assert.Equal(1.0, found[0].Score!.Value, 5);
    }

    [Fact]
    public async Task AddInMemoryVectorStore_registers_the_store_and_picks_up_the_embedding_generator()
    {
        var services = new ServiceCollection();
        var builder = new LlmStackBuilder(services);
        var generator = new HashEmbeddingGenerator();
        builder.AddEmbeddingGenerator(_ => generator);
        builder.AddInMemoryVectorStore(o => o.MaxDegreeOfParallelism = 1);
        builder.AddKeyedInMemoryVectorStore("other");
        using ServiceProvider provider = services.BuildServiceProvider();

        VectorStore store = provider.GetRequiredService<VectorStore>();
        Assert.IsType<InMemoryVectorStore>(store);
        Assert.Same(store, provider.GetRequiredService<InMemoryVectorStore>());
        VectorStore keyed = provider.GetRequiredKeyedService<VectorStore>("other");
        Assert.NotSame(store, keyed);

        VectorStoreCollection<int, TextRecord> texts = store.GetCollection<int, TextRecord>("t");
        await texts.EnsureCollectionExistsAsync();
        await texts.UpsertAsync(new TextRecord { Id = 1, Text = "hello world" });
        List<VectorSearchResult<TextRecord>> found = await texts.SearchAsync("hello world", 1).ToListAsync();
        Assert.Equal(1, found.Single().Record.Id);
    }
}
