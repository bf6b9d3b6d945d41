using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Connectors.Tests;

/// <summary>
/// The conformance suite every vector store of the stack passes with the same expectations, shaped like
/// Microsoft.Extensions.VectorData's own connector conformance tests: collection management, records (every mapped
/// type, nulls), keys, vector search against a brute-force oracle (exact where the index is exact, recall@10 ≥ 0.95
/// where it is approximate; scores within <see cref="ScoreTolerance"/>), filters against LINQ to Objects, deletes,
/// errors, hostile strings and concurrency.
/// </summary>
public abstract class VectorStoreConformanceTests : IAsyncLifetime
{
    /// <summary>Stores compute in float32; the oracle in double.</summary>
    protected const double ScoreTolerance = 1e-4;

    private readonly List<string> _collections = [];

    /// <summary>Gets the store under test (one per test).</summary>
    protected abstract VectorStore Store { get; }

    /// <summary>Gets the index kind the suite's collections use.</summary>
    protected abstract string IndexKind { get; }

    private bool IsExact => IndexKind == Microsoft.Extensions.VectorData.IndexKind.Flat;

    // What a store cannot do is stated here, per store; the suite then asserts the clear NotSupportedException instead.

    /// <summary>Gets whether the store keeps records that have no vector (Chroma stores every record with its embedding).</summary>
    protected virtual bool StoresRecordsWithoutVectors => true;

    /// <summary>Gets whether the store's collections implement <see cref="IKeywordHybridSearchable{TRecord}"/> (Chroma has no keyword ranking).</summary>
    protected virtual bool SupportsHybridSearch => true;

    /// <summary>Gets whether get-by-filter honours <c>OrderBy</c> (Chroma's get has no order).</summary>
    protected virtual bool SupportsOrderBy => true;

    /// <summary>Gets the distance functions the store rejects with <see cref="NotSupportedException"/>.</summary>
    protected virtual string[] UnsupportedDistanceFunctions => [];

    /// <summary>Gets the index kinds the store rejects with <see cref="NotSupportedException"/>.</summary>
    protected virtual string[] UnsupportedIndexKinds => [];

    /// <summary>
    /// Gets the relative tolerance of a vector read back: 0 (bit-exact) unless the store keeps vectors in another form
    /// (Chroma's cosine space keeps the unit vector and the norm).
    /// </summary>
    protected virtual float VectorTolerance => 0;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (string name in _collections)
        {
            await Store.EnsureCollectionDeletedAsync(name);
        }

        Store.Dispose();
    }

    protected async Task<VectorStoreCollection<string, ConformanceRecord>> CreateAsync(string distance = DistanceFunction.CosineSimilarity, string? name = null, string? indexKind = null)
    {
        name ??= "conformance_" + Guid.NewGuid().ToString("N")[..12];
        _collections.Add(name);
        VectorStoreCollection<string, ConformanceRecord> collection = Store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(indexKind ?? IndexKind, distance));
        await collection.EnsureCollectionExistsAsync();
        return collection;
    }

    private async Task<(VectorStoreCollection<string, ConformanceRecord> Collection, List<ConformanceRecord> Records)> SeededAsync(int count = 300, string distance = DistanceFunction.CosineSimilarity)
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync(distance);
        List<ConformanceRecord> records = ConformanceData.Records(count);
        await collection.UpsertAsync(records);
        return (collection, records);
    }

    // ---- collections

    [Fact]
    public async Task Collection_lifecycle_is_idempotent_and_listed()
    {
        string name = "conformance_" + Guid.NewGuid().ToString("N")[..12];
        _collections.Add(name);
        VectorStoreCollection<string, ConformanceRecord> collection = Store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind));
        Assert.False(await collection.CollectionExistsAsync());
        Assert.False(await Store.CollectionExistsAsync(name));

        await collection.EnsureCollectionExistsAsync();
        await collection.EnsureCollectionExistsAsync();
        Assert.True(await collection.CollectionExistsAsync());
        Assert.Contains(name, await Store.ListCollectionNamesAsync().ToListAsync());

        await collection.EnsureCollectionDeletedAsync();
        await collection.EnsureCollectionDeletedAsync();
        Assert.False(await Store.CollectionExistsAsync(name));
        Assert.DoesNotContain(name, await Store.ListCollectionNamesAsync().ToListAsync());
    }

    [Fact]
    public async Task Concurrent_creation_of_one_collection_succeeds_once()
    {
        string name = "conformance_" + Guid.NewGuid().ToString("N")[..12];
        _collections.Add(name);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            Store.GetCollection<string, ConformanceRecord>(name, ConformanceData.Definition(IndexKind)).EnsureCollectionExistsAsync())));
        Assert.True(await Store.CollectionExistsAsync(name));
    }

    // ---- records and keys

    [Fact]
    public async Task Upserted_records_round_trip_every_value()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(12);
        await collection.UpsertAsync(records);

        foreach (ConformanceRecord expected in records)
        {
            ConformanceRecord? withVectors = await collection.GetAsync(expected.Key, new RecordRetrievalOptions { IncludeVectors = true });
            AssertSame(expected, withVectors, vectors: true);
            ConformanceRecord? without = await collection.GetAsync(expected.Key);
            AssertSame(expected, without, vectors: false);
            Assert.Null(without!.Vector);
        }
    }

    [Fact]
    public async Task Upsert_replaces_a_record_and_the_last_of_a_key_in_a_batch_wins()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(3);
        await collection.UpsertAsync(records);

        ConformanceRecord changed = ConformanceData.Records(3, seed: 7)[1];
        changed.Key = records[1].Key;
        changed.Note = null;
        changed.Category = "changed";
        await collection.UpsertAsync(changed);
        AssertSame(changed, await collection.GetAsync(changed.Key, new RecordRetrievalOptions { IncludeVectors = true }), vectors: true);

        ConformanceRecord first = ConformanceData.Records(1, seed: 1)[0];
        ConformanceRecord second = ConformanceData.Records(1, seed: 2)[0];
        first.Key = second.Key = "dup";
        first.Category = "first";
        second.Category = "second";
        await collection.UpsertAsync([first, records[0], second]);
        Assert.Equal("second", (await collection.GetAsync("dup"))!.Category);
        Assert.Equal(4, await CountAsync(collection));
    }

    [Fact]
    public async Task Upsert_replaces_list_elements_and_nulls_as_filters_see_them()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(3);
        records[0].Tags = ["rare", "old"];
        records[0].Note = null;
        await collection.UpsertAsync(records);

        records[0].Tags = ["new"];
        records[0].Note = "now set";
        records[1].Note = null;
        await collection.UpsertAsync(records[..2]);

        Assert.Empty(await collection.GetAsync(r => r.Tags.Contains("rare") || r.Tags.Contains("old"), 10).ToListAsync());
        Assert.Equal(records[0].Key, Assert.Single(await collection.GetAsync(r => r.Tags.Contains("new"), 10).ToListAsync()).Key);
        Assert.Equal(records[0].Key, Assert.Single(await collection.GetAsync(r => r.Note == "now set", 10).ToListAsync()).Key);
        Assert.Equal(records[1].Key, Assert.Single(await collection.GetAsync(r => r.Note == null, 10).ToListAsync()).Key);
        AssertSame(records[0], await collection.GetAsync(records[0].Key), vectors: false);
        AssertSame(records[1], await collection.GetAsync(records[1].Key), vectors: false);
    }

    [Fact]
    public async Task Records_without_a_vector_are_stored_and_not_searched()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(4);
        records[2].Vector = null;
        if (!StoresRecordsWithoutVectors)
        {
            Assert.Contains(records[2].Key, (await Assert.ThrowsAsync<NotSupportedException>(() => collection.UpsertAsync(records))).Message, StringComparison.Ordinal);
            Assert.Equal(0, await CountAsync(collection));
            return;
        }

        await collection.UpsertAsync(records);

        ConformanceRecord? stored = await collection.GetAsync(records[2].Key, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.NotNull(stored);
        Assert.Null(stored.Vector);
        List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(records[0].Vector!.Value, 10).ToListAsync();
        Assert.Equal(3, found.Count);
        Assert.DoesNotContain(found, r => r.Record.Key == records[2].Key);
    }

    [Fact]
    public async Task Get_by_keys_returns_the_records_that_exist()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(20);
        Assert.Null(await collection.GetAsync("missing"));
        List<ConformanceRecord> found = await collection.GetAsync([records[3].Key, "missing", records[9].Key]).ToListAsync();
        Assert.Equal([records[3].Key, records[9].Key], found.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Empty(await collection.GetAsync(Array.Empty<string>()).ToListAsync());
    }

    [Fact]
    public async Task Deletes_remove_exactly_the_given_keys()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(20);
        await collection.DeleteAsync(records[0].Key);
        await collection.DeleteAsync([records[1].Key, records[2].Key, "missing"]);
        await collection.DeleteAsync("missing");

        Assert.Null(await collection.GetAsync(records[0].Key));
        Assert.Null(await collection.GetAsync(records[2].Key));
        Assert.Equal(17, await CountAsync(collection));
        List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(records[1].Vector!.Value, 20).ToListAsync();
        Assert.DoesNotContain(found, r => r.Record.Key == records[1].Key);
        Assert.Equal(17, found.Count);
    }

    [Fact]
    public async Task Hostile_keys_and_values_are_stored_and_found_verbatim()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(ConformanceData.Hostile.Length + 3);
        for (int i = 0; i < ConformanceData.Hostile.Length; i++)
        {
            records[i].Key = ConformanceData.Hostile[i];
            records[i].Category = ConformanceData.Hostile[i];
            records[i].Tags = [ConformanceData.Hostile[i]];
        }

        await collection.UpsertAsync(records);
        Assert.Equal(records.Count, await CountAsync(collection));
        foreach (string hostile in ConformanceData.Hostile)
        {
            Assert.Equal(hostile, (await collection.GetAsync(hostile))!.Category);
            string value = hostile;
            List<ConformanceRecord> byValue = await collection.GetAsync(r => r.Category == value, 100).ToListAsync();
            Assert.Equal(hostile, Assert.Single(byValue).Key);
            List<ConformanceRecord> byTag = await collection.GetAsync(r => r.Tags.Contains(value), 100).ToListAsync();
            Assert.Equal(hostile, Assert.Single(byTag).Key);
        }

        await collection.DeleteAsync(ConformanceData.Hostile);
        Assert.Equal(3, await CountAsync(collection));
    }

    [Fact]
    public async Task Hostile_collection_names_are_isolated_collections()
    {
        VectorStoreCollection<string, ConformanceRecord> bystander = await CreateAsync();
        await bystander.UpsertAsync(ConformanceData.Records(3));
        foreach (string name in new[] { "x\"; DROP TABLE conformance; --", "Robert'); DROP TABLE students;--", "a.b \\ c" })
        {
            VectorStoreCollection<string, ConformanceRecord> hostile = await CreateAsync(name: name);
            await hostile.UpsertAsync(ConformanceData.Records(2, seed: 3));
            Assert.Equal(2, await CountAsync(hostile));
            Assert.Contains(name, await Store.ListCollectionNamesAsync().ToListAsync());
            await hostile.EnsureCollectionDeletedAsync();
            Assert.False(await Store.CollectionExistsAsync(name));
        }

        Assert.Equal(3, await CountAsync(bystander));
    }

    // ---- search

    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity)]
    [InlineData(DistanceFunction.CosineDistance)]
    [InlineData(DistanceFunction.DotProductSimilarity)]
    [InlineData(DistanceFunction.EuclideanDistance)]
    [InlineData(DistanceFunction.EuclideanSquaredDistance)]
    public async Task Search_matches_the_exact_oracle(string distance)
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(400, distance);
        var random = new Random(5);
        int hits = 0, total = 0;
        for (int q = 0; q < 20; q++)
        {
            float[] query = ConformanceData.RandomVector(random);
            List<(string Key, double Score)> expected = ConformanceData.Exact(records, query, distance, 10);
            List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(new ReadOnlyMemory<float>(query), 10).ToListAsync();
            Assert.Equal(10, found.Count);
            foreach (VectorSearchResult<ConformanceRecord> result in found)
            {
                // Every score is the record's true score, whatever the index.
                Assert.Equal(ConformanceData.Score(distance, records.Single(r => r.Key == result.Record.Key).Vector!.Value.Span, query), result.Score!.Value, ScoreTolerance);
            }

            AssertBestFirst(found, distance);
            if (IsExact)
            {
                Assert.Equal(expected.Select(e => e.Score), found.Select(f => f.Score!.Value), new ToleranceComparer());
            }

            hits += found.Count(f => expected.Any(e => e.Key == f.Record.Key));
            total += expected.Count;
        }

        Assert.True(IsExact ? hits == total : hits >= 0.95 * total, $"recall@10 {hits / (double)total:F3}");
    }

    [Fact]
    public async Task Search_honours_skip_top_include_vectors_and_threshold()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(100);
        float[] query = records[17].Vector!.Value.ToArray();
        List<VectorSearchResult<ConformanceRecord>> all = await collection.SearchAsync(query, 15).ToListAsync();
        Assert.Equal(records[17].Key, all[0].Record.Key);
        Assert.Null(all[0].Record.Vector);

        List<VectorSearchResult<ConformanceRecord>> page = await collection.SearchAsync(query, 5, new VectorSearchOptions<ConformanceRecord> { Skip = 5 }).ToListAsync();
        Assert.Equal(all.Skip(5).Take(5).Select(r => r.Record.Key), page.Select(r => r.Record.Key));

        VectorSearchResult<ConformanceRecord> withVector = (await collection.SearchAsync(query, 1, new VectorSearchOptions<ConformanceRecord> { IncludeVectors = true }).ToListAsync())[0];
        AssertSameVector(query, withVector.Record.Vector!.Value.ToArray());

        double threshold = all[7].Score!.Value;
        List<VectorSearchResult<ConformanceRecord>> above = await collection.SearchAsync(query, 15, new VectorSearchOptions<ConformanceRecord> { ScoreThreshold = threshold - 1e-6 }).ToListAsync();
        Assert.Equal(8, above.Count);
        Assert.All(above, r => Assert.True(r.Score >= threshold - 1e-6));
    }

    [Fact]
    public async Task Filtered_search_returns_every_match_of_a_selective_filter()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(1500);

        // Far from the query: an approximate index must keep scanning until it has them (pgvector's iterative scan).
        float[] query = ConformanceData.RandomVector(new Random(9));
        List<ConformanceRecord> matching = [.. records.Where(r => r.Number % 150 == 7)];
        string[] keys = [.. matching.Select(r => r.Key)];
        List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(
            query, 20, new VectorSearchOptions<ConformanceRecord> { Filter = r => keys.Contains(r.Key) }).ToListAsync();
        Assert.Equal(keys.Order(StringComparer.Ordinal), found.Select(r => r.Record.Key).Order(StringComparer.Ordinal));
        AssertBestFirst(found, DistanceFunction.CosineSimilarity);
    }

    [Fact]
    public async Task Filtered_search_matches_the_oracle_under_the_filter()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(600);
        var random = new Random(11);
        int hits = 0, total = 0;
        for (int q = 0; q < 10; q++)
        {
            float[] query = ConformanceData.RandomVector(random);
            List<(string Key, double Score)> expected = ConformanceData.Exact(records.Where(r => r.Category == "beta" && r.Flag), query, DistanceFunction.CosineSimilarity, 10);
            List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(
                query, 10, new VectorSearchOptions<ConformanceRecord> { Filter = r => r.Category == "beta" && r.Flag }).ToListAsync();
            Assert.All(found, r => Assert.True(r.Record.Category == "beta" && r.Record.Flag));
            Assert.Equal(expected.Count, found.Count);
            hits += found.Count(f => expected.Any(e => e.Key == f.Record.Key));
            total += expected.Count;
        }

        Assert.True(IsExact ? hits == total : hits >= 0.95 * total, $"recall@10 {hits / (double)total:F3}");
    }

    // ---- filters (get by filter, against LINQ to Objects)

    public static TheoryData<string> FilterNames => [.. Filters.Keys];

    private static readonly string[] CapturedCategories = ["alpha", "delta", "nope"];

    private static readonly DateTimeOffset Cutoff = new(2026, 1, 2, 0, 0, 0, TimeSpan.Zero);

    private static readonly Guid Reference5 = new(5, 0, 0, new byte[8]);

    private static readonly Dictionary<string, Expression<Func<ConformanceRecord, bool>>> Filters = new()
    {
        ["equal string"] = r => r.Category == "gamma",
        ["not equal string"] = r => r.Category != "gamma",
        ["equal int"] = r => r.Number == 42,
        ["range"] = r => r.Number >= 10 && r.Number < 30,
        ["reversed operands"] = r => 30 > r.Number,
        ["or"] = r => r.Number < 5 || r.Category == "delta",
        ["not"] = r => !(r.Category == "alpha" || r.Flag),
        ["bool"] = r => r.Flag,
        ["not bool"] = r => !r.Flag,
        ["long"] = r => r.Big > 10_000_000_050L,
        ["double"] = r => r.Price <= 50.0,
        ["null"] = r => r.Note == null,
        ["not null"] = r => r.Note != null,
        ["not equal matches null"] = r => r.Note != "note 1",
        ["array contains"] = r => r.Tags.Contains("rare"),
        ["list contains"] = r => r.Scores.Contains(7),
        ["captured in"] = r => CapturedCategories.Contains(r.Category),
        ["date"] = r => r.When < Cutoff,
        ["guid"] = r => r.Reference == Reference5,
        ["key"] = r => r.Key == "k00003",
    };

    [Theory]
    [MemberData(nameof(FilterNames))]
    public async Task Filters_select_what_LINQ_to_Objects_selects(string name)
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(120);
        Expression<Func<ConformanceRecord, bool>> filter = Filters[name];
        string[] expected = [.. records.Where(filter.Compile()).Select(r => r.Key).Order(StringComparer.Ordinal)];
        List<ConformanceRecord> found = await collection.GetAsync(filter, 1000).ToListAsync();
        Assert.Equal(expected, found.Select(r => r.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Get_by_filter_orders_skips_and_limits()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(60);
        if (!SupportsOrderBy)
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => collection.GetAsync(r => r.Number >= 10, 5, new FilteredRecordRetrievalOptions<ConformanceRecord>
            {
                OrderBy = o => o.Ascending(r => r.Number),
            }).ToListAsync().AsTask());

            // Without an order, skip and top still page through the matches: each once, none left out.
            List<string> paged = [];
            for (int skip = 0; skip < 60; skip += 7)
            {
                paged.AddRange((await collection.GetAsync(r => r.Number >= 10, 7, new FilteredRecordRetrievalOptions<ConformanceRecord> { Skip = skip }).ToListAsync()).Select(r => r.Key));
            }

            Assert.Equal(records.Where(r => r.Number >= 10).Select(r => r.Key).Order(StringComparer.Ordinal), paged.Order(StringComparer.Ordinal));
            return;
        }

        List<ConformanceRecord> page = await collection.GetAsync(r => r.Number >= 10, 5, new FilteredRecordRetrievalOptions<ConformanceRecord>
        {
            Skip = 3,
            OrderBy = o => o.Descending(r => r.Category).Ascending(r => r.Number),
        }).ToListAsync();
        string[] expected = [.. records.Where(r => r.Number >= 10).OrderByDescending(r => r.Category, StringComparer.Ordinal).ThenBy(r => r.Number).Skip(3).Take(5).Select(r => r.Key)];
        Assert.Equal(expected, page.Select(r => r.Key));
    }

    // ---- hybrid

    [Fact]
    public async Task Hybrid_search_fuses_keyword_and_vector_rankings()
    {
        (VectorStoreCollection<string, ConformanceRecord> collection, List<ConformanceRecord> records) = await SeededAsync(200);
        if (!SupportsHybridSearch)
        {
            // The retrievers fall back to vector search for a collection that is not IKeywordHybridSearchable.
            Assert.False(collection is IKeywordHybridSearchable<ConformanceRecord>);
            return;
        }

        var hybrid = (IKeywordHybridSearchable<ConformanceRecord>)collection;
        ConformanceRecord target = records[44]; // mentions "volcano eruption" (every 11th record)
        List<VectorSearchResult<ConformanceRecord>> found = await hybrid.HybridSearchAsync(target.Vector!.Value, ["volcano"], 10).ToListAsync();
        Assert.Equal(target.Key, found[0].Record.Key);
        Assert.Equal(10, found.Count);

        // Every keyword match makes the fused top 40 (the keyword ranking holds all 19), also the one farthest from the
        // query, which the vector ranking alone does not place there.
        string[] volcanoes = [.. records.Where(r => r.Text.Contains("volcano", StringComparison.Ordinal)).Select(r => r.Key)];
        List<VectorSearchResult<ConformanceRecord>> vectorOnly = await collection.SearchAsync(target.Vector!.Value, 200).ToListAsync();
        string farVolcano = vectorOnly.Last(r => volcanoes.Contains(r.Record.Key)).Record.Key;
        Assert.DoesNotContain(farVolcano, vectorOnly.Take(40).Select(r => r.Record.Key));
        List<string> fused = [.. (await hybrid.HybridSearchAsync(target.Vector!.Value, ["volcano"], 40).ToListAsync()).Select(r => r.Record.Key)];
        Assert.Superset(volcanoes.ToHashSet(), fused.ToHashSet());

        List<VectorSearchResult<ConformanceRecord>> filtered = await hybrid.HybridSearchAsync(
            target.Vector!.Value, ["volcano"], 10, new HybridSearchOptions<ConformanceRecord> { Filter = r => r.Category != target.Category }).ToListAsync();
        Assert.DoesNotContain(filtered, r => r.Record.Category == target.Category);
        Assert.True(filtered.Zip(filtered.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    // ---- errors

    [Fact]
    public async Task Bad_records_throw_naming_the_argument_and_store_nothing()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(5);
        records[3].Vector = new float[ConformanceData.Dimensions + 1];
        Assert.Equal("records", (await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(records))).ParamName);

        records[3].Vector = Enumerable.Repeat(float.NaN, ConformanceData.Dimensions).ToArray();
        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(records));
        records[3].Vector = new float[ConformanceData.Dimensions]; // zero: cosine undefined
        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(records));
        records[3].Vector = records[2].Vector;
        records[3].Key = string.Empty;
        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(records));
        Assert.Equal(0, await CountAsync(collection));

        await Assert.ThrowsAsync<ArgumentException>(() => collection.SearchAsync(new float[3], 5).ToListAsync().AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => collection.SearchAsync(new float[ConformanceData.Dimensions], 0).ToListAsync().AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => collection.GetAsync(string.Empty));
    }

    [Fact]
    public async Task Unsupported_filters_throw_NotSupportedException()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        await Assert.ThrowsAsync<NotSupportedException>(() => collection.GetAsync(r => r.Category.StartsWith('a'), 5).ToListAsync().AsTask());
    }

    [Fact]
    public async Task Operations_on_a_missing_collection_throw_VectorStoreException()
    {
        VectorStoreCollection<string, ConformanceRecord> missing = Store.GetCollection<string, ConformanceRecord>(
            "conformance_missing_" + Guid.NewGuid().ToString("N")[..8], ConformanceData.Definition(IndexKind));
        ConformanceRecord record = ConformanceData.Records(1)[0];
        VectorStoreException e = await Assert.ThrowsAsync<VectorStoreException>(() => missing.UpsertAsync(record));
        Assert.Equal(missing.Name, e.CollectionName);
        await Assert.ThrowsAsync<VectorStoreException>(() => missing.GetAsync(record.Key));
        await Assert.ThrowsAsync<VectorStoreException>(() => missing.SearchAsync(record.Vector!.Value, 3).ToListAsync().AsTask());
    }

    [Fact]
    public void Unsupported_distance_functions_and_index_kinds_throw_NotSupportedException()
    {
        foreach (string distance in UnsupportedDistanceFunctions)
        {
            NotSupportedException e = Assert.Throws<NotSupportedException>(() => Store.GetCollection<string, ConformanceRecord>("conformance_unsupported", ConformanceData.Definition(IndexKind, distance)));
            Assert.Contains(distance, e.Message, StringComparison.Ordinal);
        }

        foreach (string kind in UnsupportedIndexKinds)
        {
            NotSupportedException e = Assert.Throws<NotSupportedException>(() => Store.GetCollection<string, ConformanceRecord>("conformance_unsupported", ConformanceData.Definition(kind)));
            Assert.Contains(kind, e.Message, StringComparison.Ordinal);
        }
    }

    // ---- concurrency

    [Fact]
    public async Task Concurrent_writers_and_readers_lose_nothing()
    {
        VectorStoreCollection<string, ConformanceRecord> collection = await CreateAsync();
        List<ConformanceRecord> records = ConformanceData.Records(400);
        Task[] writers = [.. records.Chunk(50).Select(batch => Task.Run(async () =>
        {
            foreach (ConformanceRecord[] part in batch.Chunk(10))
            {
                await collection.UpsertAsync(part);
            }
        }))];
        Task[] readers = [.. Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            for (int q = 0; q < 10; q++)
            {
                List<VectorSearchResult<ConformanceRecord>> found = await collection.SearchAsync(records[i * 10 + q].Vector!.Value, 5).ToListAsync();
                Assert.True(found.Count <= 5);
            }
        }))];
        await Task.WhenAll([.. writers, .. readers]);
        Assert.Equal(records.Count, await CountAsync(collection));
        List<ConformanceRecord> all = await collection.GetAsync(records.Select(r => r.Key)).ToListAsync();
        Assert.Equal(records.Select(r => r.Key), all.Select(r => r.Key).Order(StringComparer.Ordinal));
    }

    // ---- helpers

    protected static async Task<int> CountAsync(VectorStoreCollection<string, ConformanceRecord> collection)
        => (await collection.GetAsync(r => r.Number >= int.MinValue, int.MaxValue).ToListAsync()).Count;

    private static void AssertBestFirst(List<VectorSearchResult<ConformanceRecord>> found, string distance)
    {
        for (int i = 1; i < found.Count; i++)
        {
            double previous = found[i - 1].Score!.Value, current = found[i].Score!.Value;
            Assert.True(ConformanceData.HigherIsBetter(distance) ? previous >= current - ScoreTolerance : previous <= current + ScoreTolerance, $"result {i} is out of order");
        }
    }

    private void AssertSameVector(float[]? expected, float[]? actual)
    {
        if (VectorTolerance == 0 || expected is null || actual is null)
        {
            Assert.Equal(expected, actual);
            return;
        }

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= VectorTolerance * Math.Max(1, Math.Abs(expected[i])), $"component {i}: {expected[i]} != {actual[i]}");
        }
    }

    private void AssertSame(ConformanceRecord expected, ConformanceRecord? actual, bool vectors)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Category, actual.Category);
        Assert.Equal(expected.Number, actual.Number);
        Assert.Equal(expected.Big, actual.Big);
        Assert.Equal(expected.Price, actual.Price);
        Assert.Equal(expected.Flag, actual.Flag);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Scores, actual.Scores);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.When, actual.When);
        Assert.Equal(expected.Reference, actual.Reference);
        if (vectors)
        {
            AssertSameVector(expected.Vector?.ToArray(), actual.Vector?.ToArray());
        }
    }

    private sealed class ToleranceComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= ScoreTolerance;

        public int GetHashCode(double obj) => 0;
    }
}
