using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>Snapshots written by earlier versions of the store (committed fixtures) still load with their contents intact.</summary>
public sealed class SnapshotFixtureTests
{
    /// <summary>The fixture written by the format-1 writer (session 2): <see cref="FixtureRecord"/>s from <see cref="FixtureRecords"/>, records 5 and 11 deleted before saving.</summary>
    internal static readonly string Version1Path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "snapshot-v1.lsvi");

    internal static List<FixtureRecord> FixtureRecords()
    {
        var random = new Random(20261205);
        return [.. Enumerable.Range(0, 300).Select(i => new FixtureRecord
        {
            Id = "r" + i,
            Text = $"record {i} about {(i % 3 == 0 ? "volcanoes" : i % 3 == 1 ? "glaciers" : "geysers")}",
            Group = i % 7,
            Embedding = Enumerable.Range(0, 16).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(),
        })];
    }

    [Fact]
    public async Task Version1SnapshotLoadsWithItsRecordsAndSearchesLikeAFreshCollection()
    {
        using var loaded = new InMemoryVectorStore();
        string name = await loaded.LoadCollectionFromFileAsync(Version1Path);
        Assert.Equal("fixture", name);
        InMemoryVectorCollection<string, FixtureRecord> collection = loaded.GetCollection<string, FixtureRecord>(name);
        List<FixtureRecord> expected = [.. FixtureRecords().Where(r => r.Id is not ("r5" or "r11"))];
        List<FixtureRecord> actual = await collection.GetAsync(r => true, 1000, new() { IncludeVectors = true }).ToListAsync();
        Assert.Equal(expected.Count, actual.Count);
        Dictionary<string, FixtureRecord> byId = actual.ToDictionary(r => r.Id);
        foreach (FixtureRecord e in expected)
        {
            FixtureRecord a = byId[e.Id];
            Assert.Equal(e.Text, a.Text);
            Assert.Equal(e.Group, a.Group);
            Assert.Equal(e.Embedding.ToArray(), a.Embedding.ToArray());
        }

        using var fresh = new InMemoryVectorStore();
        InMemoryVectorCollection<string, FixtureRecord> reference = fresh.GetCollection<string, FixtureRecord>("fixture");
        await reference.EnsureCollectionExistsAsync();
        await reference.UpsertAsync(expected);
        foreach (FixtureRecord query in FixtureRecords().Take(20))
        {
            var options = new VectorSearchOptions<FixtureRecord> { Filter = r => r.Group != 3 };
            List<string> want = await reference.SearchAsync(query.Embedding, 10, options).Select(r => r.Record.Id).ToListAsync();
            List<string> got = await collection.SearchAsync(query.Embedding, 10, options).Select(r => r.Record.Id).ToListAsync();
            Assert.Equal(want, got);
        }

        List<string> keyword = await collection.HybridSearchAsync(FixtureRecords()[0].Embedding, ["geysers"], 5).Select(r => r.Record.Id).ToListAsync();
        Assert.Equal(5, keyword.Count);
    }
}

public sealed class FixtureRecord
{
    [VectorStoreKey]
    public string Id { get; set; } = string.Empty;

    [VectorStoreData(IsFullTextIndexed = true)]
    public string Text { get; set; } = string.Empty;

    [VectorStoreData(IsIndexed = true)]
    public int Group { get; set; }

    [VectorStoreVector(16)]
    public ReadOnlyMemory<float> Embedding { get; set; }
}
