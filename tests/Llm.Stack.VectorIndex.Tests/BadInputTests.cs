using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

public sealed class BadInputTests
{
    private static async Task<InMemoryVectorCollection<string, Hotel>> EmptyAsync()
    {
        InMemoryVectorCollection<string, Hotel> hotels = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await hotels.EnsureCollectionExistsAsync();
        await hotels.UpsertAsync(new Hotel { Id = "keep", Name = "Keep", Embedding = new float[] { 1, 2, 3, 4 } });
        return hotels;
    }

    private static async Task AssertUnchangedAsync(InMemoryVectorCollection<string, Hotel> hotels)
    {
        List<Hotel> all = await hotels.GetAsync(h => true, 100).ToListAsync();
        Assert.Equal(["keep"], all.Select(h => h.Id));
    }

    [Theory]
    [InlineData(new float[] { 1, 2, 3 }, "3 dimensions")]
    [InlineData(new float[] { 1, 2, 3, 4, 5 }, "5 dimensions")]
    [InlineData(new float[] { 1, float.NaN, 3, 4 }, "non-finite")]
    [InlineData(new float[] { 1, 2, float.PositiveInfinity, 4 }, "non-finite")]
    [InlineData(new float[] { 0, 0, 0, 0 }, "zero vector")]
    public async Task A_bad_vector_rejects_the_whole_batch(float[] vector, string expected)
    {
        InMemoryVectorCollection<string, Hotel> hotels = await EmptyAsync();
        Hotel[] batch = [new Hotel { Id = "ok", Embedding = new float[] { 1, 1, 1, 1 } }, new Hotel { Id = "bad", Embedding = vector }];

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => hotels.UpsertAsync(batch));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("'bad'", e.Message, StringComparison.Ordinal);
        await AssertUnchangedAsync(hotels);
    }

    [Fact]
    public async Task Null_and_empty_keys_and_null_records_are_rejected()
    {
        InMemoryVectorCollection<string, Hotel> hotels = await EmptyAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => hotels.UpsertAsync([new Hotel { Id = "", Embedding = new float[] { 1, 1, 1, 1 } }]));
        await Assert.ThrowsAsync<ArgumentException>(() => hotels.UpsertAsync([new Hotel { Id = null!, Embedding = new float[] { 1, 1, 1, 1 } }]));
        await Assert.ThrowsAsync<ArgumentException>(() => hotels.UpsertAsync([new Hotel { Id = "x", Embedding = new float[] { 1, 1, 1, 1 } }, null!]));
        await Assert.ThrowsAsync<ArgumentException>(() => hotels.GetAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => hotels.DeleteAsync(""));
        await AssertUnchangedAsync(hotels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task Top_must_be_positive(int top)
    {
        InMemoryVectorCollection<string, Hotel> hotels = await EmptyAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await hotels.SearchAsync(new float[] { 1, 1, 1, 1 }, top).ToListAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await hotels.GetAsync(h => true, top).ToListAsync());
    }

    [Theory]
    [InlineData(new float[] { 1, 2 })]
    [InlineData(new float[] { 0, 0, 0, 0 })]
    [InlineData(new float[] { 0, float.NaN, 0, 1 })]
    public async Task A_bad_search_vector_is_rejected(float[] query)
    {
        InMemoryVectorCollection<string, Hotel> hotels = await EmptyAsync();
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(async () => await hotels.SearchAsync(query, 1).ToListAsync());
        Assert.Equal("searchValue", e.ParamName);
    }

    [Fact]
    public async Task A_non_vector_search_value_without_a_generator_is_not_supported()
    {
        InMemoryVectorCollection<string, Hotel> hotels = await EmptyAsync();
        await Assert.ThrowsAsync<NotSupportedException>(async () => await hotels.SearchAsync("text", 1).ToListAsync());
    }

    [Fact]
    public void Options_validate_their_values()
    {
        var options = new InMemoryVectorStoreOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxDegreeOfParallelism = 0);
        Assert.Equal(Environment.ProcessorCount, options.MaxDegreeOfParallelism);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Hnsw.M = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Hnsw.M = 129);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Hnsw.EfConstruction = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Hnsw.EfSearch = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswSearchOptions<Hotel> { EfSearch = 0 });
        Assert.Equal((16, 200, 64), (options.Hnsw.M, options.Hnsw.EfConstruction, options.Hnsw.EfSearch));
        ArgumentException kind = Assert.Throws<ArgumentException>(() => options.IndexKind = "ivf");
        Assert.Contains("ivf", kind.Message, StringComparison.Ordinal);
        options.IndexKind = "hnsw";
        Assert.Equal(IndexKind.Hnsw, options.IndexKind);
        options.CollectionHnsw["bad"] = null!;
        Assert.Throws<ArgumentException>(() => new InMemoryVectorStore(options));
    }

    [Fact]
    public void Unsupported_index_kinds_and_distance_functions_are_rejected()
    {
        var store = new InMemoryVectorStore();
        var diskAnn = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(int)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2) { IndexKind = IndexKind.DiskAnn }],
        };
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => store.GetCollection<int, Row<int>>("x", diskAnn));
        Assert.Contains("DiskAnn", e.Message, StringComparison.Ordinal);
        Assert.Contains(IndexKind.Hnsw, e.Message, StringComparison.Ordinal);
        var hnsw = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(int)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2) { IndexKind = IndexKind.Hnsw }],
        };
        Assert.NotNull(store.GetCollection<int, Row<int>>("hnsw", hnsw)); // HNSW is supported (HnswTests)
        var bogus = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(int)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2) { DistanceFunction = "Bogus" }],
        };
        Assert.Throws<NotSupportedException>(() => store.GetCollection<int, Row<int>>("y", bogus));
    }
}
