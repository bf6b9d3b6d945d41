using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

public sealed class HybridSearchTests
{
    private static readonly string[] Words = ["solar", "panel", "battery", "wind", "turbine", "grid", "storage", "hydro", "dam", "nuclear", "fusion", "reactor", "coal", "gas", "price", "policy"];

    private static List<Article> Articles()
    {
        var random = new Random(21);
        return [.. Enumerable.Range(1, 200).Select(i =>
        {
            string body = string.Join(' ', Enumerable.Range(0, 6).Select(_ => Words[random.Next(Words.Length)]));
            return new Article { Id = i, Body = body, Category = i % 2 == 0 ? "even" : "odd", Vector = HashEmbeddingGenerator.Embed(body, 16) };
        })];
    }

    private static async Task<InMemoryVectorCollection<int, Article>> FillAsync(InMemoryVectorStore store, List<Article> articles)
    {
        InMemoryVectorCollection<int, Article> collection = store.GetCollection<int, Article>("articles");
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(articles);
        return collection;
    }

    [Fact]
    public async Task Hybrid_search_is_the_reciprocal_rank_fusion_of_the_vector_and_bm25_rankings_under_the_filter()
    {
        List<Article> articles = Articles();
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = new HashEmbeddingGenerator(16) });
        InMemoryVectorCollection<int, Article> collection = await FillAsync(store, articles);
        const string Query = "wind turbine storage";

        List<VectorSearchResult<Article>> hybrid = await collection.HybridSearchAsync(Query, ["turbine", "dam"], 10, new() { Filter = a => a.Category == "even" }).ToListAsync();

        // The reference: both rankings computed independently, then fused with k = 60.
        List<int> vectorRanking = await collection.SearchAsync(Query, 50, new() { Filter = a => a.Category == "even" }).Select(r => r.Record.Id).ToListAsync();
        var bm25 = new Bm25Index<int>();
        foreach (Article a in articles.Where(a => a.Category == "even"))
        {
            bm25.Upsert(a.Id, a.Body);
        }

        List<int> keywordRanking = [.. bm25.Search("turbine dam", 50).Select(m => m.Key)];
        IReadOnlyList<FusedResult<int>> expected = RankFusion.ReciprocalRank<int>([vectorRanking, keywordRanking], 60, 10);

        Assert.Equal(expected.Select(e => e.Item), hybrid.Select(h => h.Record.Id));
        Assert.Equal(expected.Select(e => e.Score), hybrid.Select(h => h.Score!.Value));
        Assert.All(hybrid, h => Assert.Equal("even", h.Record.Category));
    }

    [Fact]
    public async Task A_keyword_only_match_surfaces_and_deleted_records_disappear_from_both_rankings()
    {
        List<Article> articles = Articles();
        articles.Add(new Article { Id = 999, Body = "zeppelin", Category = "odd", Vector = HashEmbeddingGenerator.Embed("solar panel battery", 16) });
        var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Article> collection = await FillAsync(store, articles);
        float[] query = HashEmbeddingGenerator.Embed("nuclear fusion reactor", 16);

        List<VectorSearchResult<Article>> before = await collection.HybridSearchAsync(query, ["zeppelin"], 5).ToListAsync();
        await collection.DeleteAsync(999);
        List<VectorSearchResult<Article>> after = await collection.HybridSearchAsync(query, ["zeppelin"], 5).ToListAsync();

        Assert.Contains(before, h => h.Record.Id == 999);
        Assert.DoesNotContain(after, h => h.Record.Id == 999);
        Assert.Equal(5, after.Count);
    }

    [Fact]
    public async Task Hybrid_search_works_after_a_snapshot_round_trip_and_honours_skip()
    {
        List<Article> articles = Articles();
        var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Article> collection = await FillAsync(store, articles);
        using var buffer = new MemoryStream();
        await store.SaveCollectionAsync("articles", buffer);
        buffer.Position = 0;
        var loaded = new InMemoryVectorStore();
        await loaded.LoadCollectionAsync(buffer);
        float[] query = HashEmbeddingGenerator.Embed("grid price policy", 16);

        List<VectorSearchResult<Article>> a = await collection.HybridSearchAsync(query, ["grid", "policy"], 8).ToListAsync();
        List<VectorSearchResult<Article>> b = await loaded.GetCollection<int, Article>("articles").HybridSearchAsync(query, ["grid", "policy"], 8).ToListAsync();
        List<VectorSearchResult<Article>> skipped = await collection.HybridSearchAsync(query, ["grid", "policy"], 4, new() { Skip = 4 }).ToListAsync();

        Assert.Equal(a.Select(r => (r.Record.Id, r.Score)), b.Select(r => (r.Record.Id, r.Score)));
        Assert.Equal(a.Skip(4).Select(r => r.Record.Id), skipped.Select(r => r.Record.Id));
    }
}
