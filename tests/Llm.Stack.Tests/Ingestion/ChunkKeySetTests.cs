using System.Text;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>The compact chunk keys of the ingestion state, against a plain <see cref="HashSet{T}"/> of the same keys.</summary>
public sealed class ChunkKeySetTests
{
    [Fact]
    public void A_range_holds_exactly_its_keys_and_enumerates_them_in_order()
    {
        ChunkKeySet set = ChunkKeySet.Range("docs/a.md#0123456789ab", 3);

        Assert.Equal(["docs/a.md#0123456789ab#0", "docs/a.md#0123456789ab#1", "docs/a.md#0123456789ab#2"], set);
        Assert.Equal(3, set.Count);
        Assert.Contains("docs/a.md#0123456789ab#2", set);
        Assert.False(Has(set, "docs/a.md#0123456789ab#3"));
        Assert.False(Has(set, "docs/a.md#0123456789ab#01"));
        Assert.False(Has(set, "docs/a.md#0123456789ab#-1"));
        Assert.False(Has(set, "docs/b.md#0123456789ab#0"));
        Assert.False(Has(set, "docs/a.md#0123456789ab"));
    }

    [Fact]
    public void Keys_are_compacted_into_runs_only_where_ordinals_are_contiguous_from_zero()
    {
        string[] keys = ["x#aa#0", "x#aa#1", "x#aa#2", "x#bb#1", "x#bb#2", "plain", "y#cc#0", "x#aa#007", "#5"];
        ChunkKeySet set = ChunkKeySet.From(keys);

        Assert.Equal(keys.Order(StringComparer.Ordinal), set.Order(StringComparer.Ordinal));
        foreach (string key in keys)
        {
            Assert.True(set.Contains(key), key);
        }

        Assert.False(Has(set, "x#bb#0"));
        Assert.False(Has(set, "x#aa#3"));
        Assert.False(Has(set, "x#aa#7"));
        Assert.Equal("[[\"x#aa\",3],[\"y#cc\",1],\"#5\",\"plain\",\"x#aa#007\",\"x#bb#1\",\"x#bb#2\"]", Json(set));
    }

    [Fact]
    public void Union_and_except_agree_with_hash_sets_of_the_same_keys()
    {
        var random = new Random(13);
        for (int round = 0; round < 200; round++)
        {
            ChunkKeySet a = RandomSet(random, out HashSet<string> expectedA);
            ChunkKeySet b = RandomSet(random, out HashSet<string> expectedB);

            ChunkKeySet union = a.Union(b);
            Assert.Equal(expectedA.Union(expectedB).Order(StringComparer.Ordinal), union.Order(StringComparer.Ordinal));
            Assert.Equal(expectedA.Count + expectedB.Count(k => !expectedA.Contains(k)), union.Count);
            Assert.Equal(expectedA.Except(expectedB).Order(StringComparer.Ordinal), a.Except(b).Order(StringComparer.Ordinal));
            foreach (string key in expectedA.Concat(expectedB).Append("d#p1#999"))
            {
                Assert.Equal(expectedA.Contains(key) || expectedB.Contains(key), union.Contains(key));
            }
        }
    }

    [Fact]
    public async Task A_state_of_the_first_format_listing_every_key_reads_and_is_written_back_compactly()
    {
        string first = """{"Format":1,"Documents":{"a.md":{"SourceId":"a.md","Hash":"h","Version":1,"Keys":["a.md#p#0","a.md#p#1","a.md#p#2"]}}}""";
        IngestionState state = await IngestionState.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(first)));

        Assert.Equal(["a.md#p#0", "a.md#p#1", "a.md#p#2"], state.GetCommittedChunkKeys("a.md"));
        var saved = new MemoryStream();
        await state.SaveAsync(saved);
        string written = Encoding.UTF8.GetString(saved.ToArray());
        Assert.Contains("\"Format\":2", written, StringComparison.Ordinal);
        Assert.Contains("\"Keys\":[[\"a.md#p\",3]]", written, StringComparison.Ordinal);
        saved.Position = 0;
        Assert.Equal(["a.md#p#0", "a.md#p#1", "a.md#p#2"], (await IngestionState.LoadAsync(saved)).GetCommittedChunkKeys("a.md"));
    }

    [Theory]
    [InlineData("""{"Format":3,"Documents":{}}""")]
    [InlineData("""{"Format":2,"Documents":{"a":{"Keys":[["a#p"]]}}}""")]
    [InlineData("""{"Format":2,"Documents":{"a":{"Keys":[["a#p",-1]]}}}""")]
    [InlineData("""{"Format":2,"Documents":{"a":{"Keys":[7]}}}""")]
    [InlineData("""{"Format":2,"Documents":{"a":{"Keys":"a#p#0"}}}""")]
    public async Task A_damaged_or_unknown_state_is_rejected_as_invalid_data(string json) =>
        await Assert.ThrowsAsync<InvalidDataException>(() => IngestionState.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json))));

    /// <summary>The set's own lookup (<see cref="ChunkKeySet.Contains"/>), not an enumeration.</summary>
    private static bool Has(ChunkKeySet set, string key) => set.Contains(key);

    private static ChunkKeySet RandomSet(Random random, out HashSet<string> expected)
    {
        expected = new HashSet<string>(StringComparer.Ordinal);
        ChunkKeySet set = ChunkKeySet.Empty;
        for (int part = random.Next(4); part > 0; part--)
        {
            string stem = "d#p" + random.Next(3);
            if (random.Next(2) == 0)
            {
                int count = random.Next(1, 6);
                set = set.Union(ChunkKeySet.Range(stem, count));
                expected.UnionWith(Enumerable.Range(0, count).Select(i => ChunkKeySet.Key(stem, i)));
            }
            else
            {
                string[] keys = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => ChunkKeySet.Key(stem, random.Next(8)))];
                set = set.Union(ChunkKeySet.From(keys));
                expected.UnionWith(keys);
            }
        }

        return set;
    }

    private static string Json(ChunkKeySet set)
    {
        var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            set.Write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
