using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

public sealed class CrudTests
{
    private static Hotel H(string id, string name, int rating, params float[] v)
        => new() { Id = id, Name = name, Rating = rating, Price = rating * 10.5, Tags = [name, "t" + rating], Amenities = ["wifi"], Embedding = v };

    private static async Task<InMemoryVectorCollection<string, Hotel>> HotelsAsync(InMemoryVectorStore? store = null)
    {
        store ??= new InMemoryVectorStore();
        InMemoryVectorCollection<string, Hotel> hotels = store.GetCollection<string, Hotel>("hotels");
        await hotels.EnsureCollectionExistsAsync();
        await hotels.UpsertAsync([H("a", "Alpha", 3, 1, 0, 0, 0), H("b", "Beta", 5, 0, 1, 0, 0), H("c", "Gamma", 4, 1, 1, 0, 0)]);
        return hotels;
    }

    [Fact]
    public async Task Upsert_then_get_returns_a_copy_with_all_data_and_vectors_only_when_asked()
    {
        InMemoryVectorCollection<string, Hotel> hotels = await HotelsAsync();

        Hotel? withoutVectors = await hotels.GetAsync("b");
        Hotel? withVectors = await hotels.GetAsync("b", new RecordRetrievalOptions { IncludeVectors = true });

        Assert.NotNull(withoutVectors);
        Assert.Equal("Beta", withoutVectors.Name);
        Assert.Equal(5, withoutVectors.Rating);
        Assert.Equal(52.5, withoutVectors.Price);
        Assert.Equal(["Beta", "t5"], withoutVectors.Tags);
        Assert.Equal(0, withoutVectors.Embedding.Length);
        Assert.Equal([0f, 1f, 0f, 0f], withVectors!.Embedding.ToArray());
        Assert.NotSame(withoutVectors, withVectors);
        Assert.Null(await hotels.GetAsync("zzz"));
    }

    [Fact]
    public async Task Upsert_replaces_an_existing_record_and_delete_removes_it()
    {
        InMemoryVectorCollection<string, Hotel> hotels = await HotelsAsync();

        await hotels.UpsertAsync(H("a", "Alpha2", 1, 0, 0, 1, 0));
        Hotel? a = await hotels.GetAsync("a", new RecordRetrievalOptions { IncludeVectors = true });
        Assert.Equal("Alpha2", a!.Name);
        Assert.Equal([0f, 0f, 1f, 0f], a.Embedding.ToArray());

        await hotels.DeleteAsync("a");
        await hotels.DeleteAsync(["b", "missing"]);
        Assert.Null(await hotels.GetAsync("a"));
        Assert.Null(await hotels.GetAsync("b"));
        List<Hotel> rest = await hotels.GetAsync(["a", "b", "c"]).ToListAsync();
        Assert.Equal(["c"], rest.Select(h => h.Id));

        List<VectorSearchResult<Hotel>> found = await hotels.SearchAsync(new float[] { 0, 0, 1, 0 }, 10).ToListAsync();
        Assert.Equal(["c"], found.Select(r => r.Record.Id));
    }

    [Fact]
    public async Task Collections_are_listed_created_and_deleted_through_store_and_handle()
    {
        var store = new InMemoryVectorStore();
        InMemoryVectorCollection<string, Hotel> hotels = store.GetCollection<string, Hotel>("hotels");
        Assert.False(await hotels.CollectionExistsAsync());
        await Assert.ThrowsAsync<VectorStoreException>(() => hotels.UpsertAsync(H("a", "A", 1, 1, 0, 0, 0)));

        await hotels.EnsureCollectionExistsAsync();
        await hotels.EnsureCollectionExistsAsync();
        await store.GetCollection<int, IntRecord>("ints").EnsureCollectionExistsAsync();
        Assert.True(await store.CollectionExistsAsync("hotels"));
        Assert.Equal(["hotels", "ints"], await store.ListCollectionNamesAsync().ToListAsync());

        // Two handles share the stored records.
        await hotels.UpsertAsync(H("a", "A", 1, 1, 0, 0, 0));
        Assert.NotNull(await store.GetCollection<string, Hotel>("hotels").GetAsync("a"));

        await store.EnsureCollectionDeletedAsync("hotels");
        await hotels.EnsureCollectionDeletedAsync();
        Assert.False(await hotels.CollectionExistsAsync());
        Assert.Equal(["ints"], await store.ListCollectionNamesAsync().ToListAsync());
        await hotels.EnsureCollectionExistsAsync();
        Assert.Null(await hotels.GetAsync("a"));
    }

    [Fact]
    public async Task Guid_keys_are_generated_when_empty_and_written_back()
    {
        var store = new InMemoryVectorStore();
        InMemoryVectorCollection<Guid, GuidRecord> records = store.GetCollection<Guid, GuidRecord>("g");
        await records.EnsureCollectionExistsAsync();
        var r1 = new GuidRecord { Text = "one", Vector = [1, 2, 3] };
        var fixedId = Guid.NewGuid();
        var r2 = new GuidRecord { Id = fixedId, Text = "two", Vector = [3, 2, 1] };

        await records.UpsertAsync([r1, r2]);

        Assert.NotEqual(Guid.Empty, r1.Id);
        Assert.Equal(fixedId, r2.Id);
        Assert.Equal("one", (await records.GetAsync(r1.Id))!.Text);
        GuidRecord? back = await records.GetAsync(fixedId, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.Equal([3f, 2f, 1f], back!.Vector!);
    }

    [Fact]
    public async Task Int_long_keys_and_every_vector_property_type_round_trip()
    {
        var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, IntRecord> ints = store.GetCollection<int, IntRecord>("i");
        await ints.EnsureCollectionExistsAsync();
        await ints.UpsertAsync(new IntRecord { Id = 7, Text = "seven", Vector = new Embedding<float>(new float[] { 1, 0, 2 }) });
        IntRecord? i = await ints.GetAsync(7, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.Equal([1f, 0f, 2f], i!.Vector!.Vector.ToArray());

        InMemoryVectorCollection<long, LongRecord> longs = store.GetCollection<long, LongRecord>("l");
        await longs.EnsureCollectionExistsAsync();
        await longs.UpsertAsync([new LongRecord { Id = 1L << 40, Vector = new float[] { 1, 1, 1 } }, new LongRecord { Id = 2, Vector = null }]);
        LongRecord? l = await longs.GetAsync(1L << 40, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.Equal([1f, 1f, 1f], l!.Vector!.Value.ToArray());

        // A record without a vector is stored and retrievable but never a search result.
        Assert.NotNull(await longs.GetAsync(2));
        List<VectorSearchResult<LongRecord>> found = await longs.SearchAsync(new float[] { 1, 0, 0 }, 5).ToListAsync();
        Assert.Equal([1L << 40], found.Select(r => r.Record.Id));
    }

    [Fact]
    public async Task Unsupported_key_types_are_rejected_with_the_supported_list()
    {
        var store = new InMemoryVectorStore();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(DateTime)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2)],
        };

        NotSupportedException e = Assert.Throws<NotSupportedException>(() => store.GetCollection<DateTime, Row<DateTime>>("x", definition));
        Assert.Contains("Guid, string, int, long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dynamic_collections_store_dictionaries_defined_by_a_definition()
    {
        var store = new InMemoryVectorStore();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Id", typeof(string)),
                new VectorStoreDataProperty("Title", typeof(string)),
                new VectorStoreDataProperty("Year", typeof(int)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2) { DistanceFunction = DistanceFunction.CosineDistance },
            ],
        };
        InMemoryVectorCollection<object, Dictionary<string, object?>> books = store.GetDynamicCollection("books", definition);
        await books.EnsureCollectionExistsAsync();
        await books.UpsertAsync(
        [
            new Dictionary<string, object?> { ["Id"] = "x", ["Title"] = "X", ["Year"] = 1999, ["Vector"] = new ReadOnlyMemory<float>([1, 0]) },
            new Dictionary<string, object?> { ["Id"] = "y", ["Title"] = "Y", ["Year"] = 2005, ["Vector"] = new ReadOnlyMemory<float>([0, 1]) },
        ]);

        Dictionary<string, object?>? x = await books.GetAsync("x");
        Assert.Equal("X", x!["Title"]);
        Assert.Equal(1999, x["Year"]);

        List<VectorSearchResult<Dictionary<string, object?>>> found = await books.SearchAsync(new ReadOnlyMemory<float>([0.1f, 1]), 1).ToListAsync();
        Assert.Equal("y", found[0].Record["Id"]);
        Assert.InRange(found[0].Score!.Value, 0, 0.01);

        List<Dictionary<string, object?>> filtered = await books.GetAsync(r => (int)r["Year"]! > 2000, 10).ToListAsync();
        Assert.Equal(["y"], filtered.Select(r => r["Id"]));
    }

    [Fact]
    public async Task A_record_type_that_does_not_match_the_stored_collection_is_rejected()
    {
        var store = new InMemoryVectorStore();
        await store.GetCollection<string, Hotel>("c").EnsureCollectionExistsAsync();
        InMemoryVectorCollection<int, IntRecord> other = store.GetCollection<int, IntRecord>("c");
        await Assert.ThrowsAsync<InvalidOperationException>(() => other.GetAsync(1));
    }

    [Fact]
    public void Metadata_is_exposed_through_GetService()
    {
        var store = new InMemoryVectorStore();
        Assert.Equal("llm.stack.inmemory", ((VectorStoreMetadata)store.GetService(typeof(VectorStoreMetadata))!).VectorStoreSystemName);
        InMemoryVectorCollection<string, Hotel> hotels = store.GetCollection<string, Hotel>("h");
        var metadata = (VectorStoreCollectionMetadata)hotels.GetService(typeof(VectorStoreCollectionMetadata))!;
        Assert.Equal("h", metadata.CollectionName);
        Assert.Same(store, store.GetService(typeof(InMemoryVectorStore)));
        Assert.Null(store.GetService(typeof(VectorStoreMetadata), "key"));
    }
}
