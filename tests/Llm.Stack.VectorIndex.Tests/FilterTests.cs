using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>Filters agree with LINQ-to-objects on the same records, in search and in filtered gets.</summary>
public sealed class FilterTests
{
    private static readonly string[] Cities = ["Paris", "Oslo", "Rome"];

    private static List<Hotel> MakeHotels()
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, 120).Select(i => new Hotel
        {
            Id = "h" + i,
            Name = "Hotel " + i,
            Rating = i % 6,
            Price = Math.Round(random.NextDouble() * 300, 2),
            Tags = [.. Enumerable.Range(0, i % 4).Select(t => "tag" + ((i + t) % 5))],
            Amenities = i % 3 == 0 ? ["wifi", "pool"] : ["wifi"],
            City = i % 7 == 0 ? null : Cities[i % 3],
            Embedding = new float[] { (float)random.NextDouble() + 0.01f, (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble() },
        })];
    }

    public static TheoryData<int> FilterIndexes() => [.. Enumerable.Range(0, Filters().Count)];

    private static List<Expression<Func<Hotel, bool>>> Filters()
    {
        int minRating = 3;
        string[] wanted = ["Paris", "Rome"];
        var wantedList = new List<string> { "h1", "h2", "h50", "h99" };
        var local = new { Max = 150.0 };
        return
        [
            h => h.Rating == 4,
            h => h.Rating != 4,
            h => h.Rating >= minRating && h.Price < local.Max,
            h => h.Rating < 2 || h.City == "Oslo",
            h => !(h.Rating > 1),
            h => h.City == null,
            h => h.City != null && h.Rating <= 3,
            h => h.Tags.Contains("tag2"),
            h => h.Amenities.Contains("pool"),
            h => wanted.Contains(h.City),
            h => wantedList.Contains(h.Id),
            h => h.Tags.Any(),
            h => h.Tags.Any(t => t == "tag1" || t == "tag3"),
            h => h.Name == "Hotel 7",
            h => h.Price > 100 && !h.Tags.Contains("tag0") && h.Rating != 5,
            h => true,
        ];
    }

    [Theory]
    [MemberData(nameof(FilterIndexes))]
    public async Task Search_and_get_filters_agree_with_linq_to_objects(int index)
    {
        List<Hotel> hotels = MakeHotels();
        InMemoryVectorCollection<string, Hotel> collection = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(hotels);
        Expression<Func<Hotel, bool>> filter = Filters()[index];
        Func<Hotel, bool> linq = filter.Compile();
        float[] query = [1, 0.5f, 0.25f, 0];

        var expected = hotels.Where(linq)
            .Select(h => (h.Id, Score: Data.Score(DistanceFunction.CosineSimilarity, query, h.Embedding.ToArray())))
            .OrderByDescending(x => x.Score).Take(10).ToList();
        List<VectorSearchResult<Hotel>> found = await collection.SearchAsync(query, 10, new() { Filter = filter }).ToListAsync();
        List<Hotel> got = await collection.GetAsync(filter, 1000).ToListAsync();

        Assert.Equal(expected.Select(e => e.Id), found.Select(r => r.Record.Id));
        Assert.Equal(hotels.Where(linq).Select(h => h.Id).Order(), got.Select(h => h.Id).Order());
    }

    [Fact]
    public async Task Filtered_get_orders_skips_and_takes()
    {
        List<Hotel> hotels = MakeHotels();
        InMemoryVectorCollection<string, Hotel> collection = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(hotels);

        List<Hotel> got = await collection.GetAsync(
            h => h.Rating > 0,
            7,
            new FilteredRecordRetrievalOptions<Hotel> { Skip = 3, OrderBy = o => o.Descending(h => h.Rating).Ascending(h => h.Price) }).ToListAsync();
        List<Hotel> byKey = await collection.GetAsync(h => h.Rating > 0, 4, new() { OrderBy = o => o.Descending(h => h.Id) }).ToListAsync();
        List<Hotel> unordered = await collection.GetAsync(h => h.Rating > 0, 5, new() { Skip = 2 }).ToListAsync();

        Assert.Equal(hotels.Where(h => h.Rating > 0).OrderByDescending(h => h.Rating).ThenBy(h => h.Price).Skip(3).Take(7).Select(h => h.Id), got.Select(h => h.Id));
        Assert.Equal(hotels.Where(h => h.Rating > 0).OrderByDescending(h => h.Id, StringComparer.Ordinal).Take(4).Select(h => h.Id), byKey.Select(h => h.Id));
        Assert.Equal(hotels.Where(h => h.Rating > 0).Skip(2).Take(5).Select(h => h.Id), unordered.Select(h => h.Id));
    }

    [Fact]
    public async Task A_filter_is_compiled_once_per_shape_and_captured_values_still_apply()
    {
        InMemoryVectorCollection<string, Hotel> collection = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(MakeHotels());
        var counts = new List<int>();
        for (int rating = 0; rating < 6; rating++)
        {
            counts.Add((await collection.GetAsync(h => h.Rating == rating, 1000).ToListAsync()).Count);
        }

        CollectionBinding binding = collection.GetBinding("test");
        Assert.Single(binding.Filters);
        Assert.Equal(Enumerable.Repeat(20, 6), counts);
    }

    [Fact]
    public async Task A_filter_of_a_shape_seen_before_applies_its_own_captured_values()
    {
        List<Hotel> hotels = MakeHotels();
        InMemoryVectorCollection<string, Hotel> collection = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(hotels);
        float[] query = [1, 0.5f, 0.25f, 0];

        // Each call builds a new tree with a new closure; all but the first find the compiled shape.
        static Expression<Func<Hotel, bool>> RatedIn(int minRating, string city) => h => h.Rating >= minRating && h.City == city;
        static Expression<Func<Hotel, bool>> Tagged(string tag) => h => h.Tags.Any(t => t == tag);
        (int MinRating, string City)[] runs = [(3, "Paris"), (0, "Rome"), (5, "Oslo"), (3, "Paris"), (1, "Lima")];
        foreach ((int minRating, string city) in runs)
        {
            Expression<Func<Hotel, bool>> filter = RatedIn(minRating, city);
            Func<Hotel, bool> linq = filter.Compile();
            List<Hotel> got = await collection.GetAsync(filter, 1000).ToListAsync();
            List<VectorSearchResult<Hotel>> found = await collection.SearchAsync(query, 200, new() { Filter = filter }).ToListAsync();
            Assert.Equal(hotels.Where(linq).Select(h => h.Id).Order(), got.Select(h => h.Id).Order());
            Assert.Equal(hotels.Where(linq).Select(h => h.Id).Order(), found.Select(r => r.Record.Id).Order());
        }

        foreach (string tag in new[] { "tag1", "tag4", "none" })
        {
            Expression<Func<Hotel, bool>> filter = Tagged(tag);
            Assert.Equal(hotels.Where(filter.Compile()).Select(h => h.Id).Order(), (await collection.GetAsync(filter, 1000).ToListAsync()).Select(h => h.Id).Order());
        }

        // Literals are part of a shape: another literal is another shape, and each keeps its own value.
        Assert.Equal(20, (await collection.GetAsync(h => h.Rating == 1, 1000).ToListAsync()).Count);
        Assert.Equal(hotels.Count(h => h.Rating == 2 && h.Price > 0), (await collection.GetAsync(h => h.Rating == 2 && h.Price > 0, 1000).ToListAsync()).Count);

        CollectionBinding binding = collection.GetBinding("test");
        Assert.Equal(4, binding.FilterShapes.Count);
        Assert.Equal(4, binding.Filters.Count);
    }

    [Fact]
    public async Task A_captured_chain_that_meets_a_null_is_evaluated_as_written_after_its_shape_was_compiled()
    {
        List<Hotel> hotels = MakeHotels();
        InMemoryVectorCollection<string, Hotel> collection = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(hotels);
        static Expression<Func<Hotel, bool>> InCityOf(Holder holder) => h => h.City == holder.Inner!.City;

        List<Hotel> rome = await collection.GetAsync(InCityOf(new Holder { Inner = new Holder { City = "Rome" } }), 1000).ToListAsync();
        Expression<Func<Hotel, bool>> broken = InCityOf(new Holder());

        // As in LINQ to objects: reading through the null throws, rather than comparing with null.
        Assert.Throws<NullReferenceException>(() => hotels.Where(broken.Compile()).ToList());
        await Assert.ThrowsAsync<NullReferenceException>(async () => await collection.GetAsync(broken, 1000).ToListAsync());
        List<Hotel> oslo = await collection.GetAsync(InCityOf(new Holder { Inner = new Holder { City = "Oslo" } }), 1000).ToListAsync();

        Assert.Equal(hotels.Where(h => h.City == "Rome").Select(h => h.Id).Order(), rome.Select(h => h.Id).Order());
        Assert.Equal(hotels.Where(h => h.City == "Oslo").Select(h => h.Id).Order(), oslo.Select(h => h.Id).Order());
    }

    [Fact]
    public async Task Unsupported_filter_nodes_throw_naming_the_node()
    {
        InMemoryVectorCollection<string, Hotel> collection = new InMemoryVectorStore().GetCollection<string, Hotel>("h");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(MakeHotels());

        NotSupportedException add = await Assert.ThrowsAsync<NotSupportedException>(async () => await collection.GetAsync(h => h.Rating + 1 > 3, 5).ToListAsync());
        NotSupportedException call = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await collection.SearchAsync(new float[] { 1, 0, 0, 0 }, 5, new() { Filter = h => h.Name.StartsWith("Hotel", StringComparison.Ordinal) }).ToListAsync());
        NotSupportedException vector = await Assert.ThrowsAsync<NotSupportedException>(async () => await collection.GetAsync(h => h.Embedding.Length > 3, 5).ToListAsync());

        Assert.Contains("Add", add.Message, StringComparison.Ordinal);
        Assert.Contains("StartsWith", call.Message, StringComparison.Ordinal);
        Assert.Contains("Embedding", vector.Message, StringComparison.Ordinal);
    }

    private sealed class Holder
    {
        public Holder? Inner { get; init; }

        public string? City { get; init; }
    }
}
