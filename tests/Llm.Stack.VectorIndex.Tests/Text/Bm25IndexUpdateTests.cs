namespace Llm.Stack.VectorIndex.Tests;

public class Bm25IndexUpdateTests
{
    private static readonly string[] Queries = ["cat", "dog fish", "bird cat", "zebra", "mouse cat dog", "unknown"];

    private static void AssertSameResults<TKey>(Bm25Index<TKey> expected, Bm25Index<TKey> actual)
        where TKey : notnull
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (string query in Queries)
        {
            // Same statistics give bit-identical scores: the index sums query terms in a fixed order.
            var want = expected.Search(query, 1000).OrderBy(m => m.Key).ToList();
            var got = actual.Search(query, 1000).OrderBy(m => m.Key).ToList();
            Assert.Equal(want, got);
        }
    }

    [Fact]
    public void Upsert_replaces_the_previous_text_and_its_statistics()
    {
        var index = new Bm25Index<string>();
        index.Upsert("a", "cat dog");
        index.Upsert("b", "cat cat fish");
        index.Upsert("c", "bird");
        index.Upsert("b", "zebra zebra zebra zebra mouse");

        var fresh = new Bm25Index<string>();
        fresh.Upsert("a", "cat dog");
        fresh.Upsert("c", "bird");
        fresh.Upsert("b", "zebra zebra zebra zebra mouse");

        Assert.Equal(3, index.Count);
        Assert.DoesNotContain(index.Search("fish", 10), m => m.Key == "b");
        Assert.Equal("b", Assert.Single(index.Search("zebra", 10)).Key);
        AssertSameResults(fresh, index);
    }

    [Fact]
    public void Remove_updates_the_statistics()
    {
        var index = new Bm25Index<int>();
        index.Upsert(1, "cat dog");
        index.Upsert(2, "cat cat fish");
        index.Upsert(3, "bird cat");
        Assert.True(index.Remove(2));
        Assert.False(index.Remove(2));
        Assert.False(index.Remove(42));
        Assert.False(index.Contains(2));
        Assert.True(index.Contains(1));

        var fresh = new Bm25Index<int>();
        fresh.Upsert(1, "cat dog");
        fresh.Upsert(3, "bird cat");
        AssertSameResults(fresh, index);
        Assert.Empty(index.Search("fish", 10));
    }

    [Fact]
    public void Removing_everything_leaves_an_empty_index_that_still_works()
    {
        var index = new Bm25Index<int>();
        index.Upsert(1, "cat");
        Assert.True(index.Remove(1));
        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search("cat", 5));
        index.Upsert(1, "cat");
        Assert.Single(index.Search("cat", 5));
    }

    [Fact]
    public void Many_random_changes_with_compaction_equal_a_fresh_build()
    {
        string[] words = ["cat", "dog", "fish", "bird", "zebra", "mouse", "lion", "tiger", "bear", "wolf"];
        var random = new Random(7);
        var index = new Bm25Index<int>();
        var truth = new Dictionary<int, string>();
        for (int step = 0; step < 6000; step++)
        {
            int key = random.Next(300);
            if (random.NextDouble() < 0.3)
            {
                Assert.Equal(truth.Remove(key), index.Remove(key));
            }
            else
            {
                string text = string.Join(' ', Enumerable.Range(0, random.Next(0, 12)).Select(_ => words[random.Next(words.Length)]));
                truth[key] = text;
                index.Upsert(key, text);
            }
        }

        var fresh = new Bm25Index<int>();
        foreach ((int key, string text) in truth)
        {
            fresh.Upsert(key, text);
        }

        AssertSameResults(fresh, index);
    }

    [Fact]
    public void A_text_without_words_counts_as_a_document_but_never_matches()
    {
        var withEmpty = new Bm25Index<string>();
        withEmpty.Upsert("a", "cat");
        withEmpty.Upsert("empty", "  ...  ");
        Assert.Equal(2, withEmpty.Count);
        KeywordMatch<string> match = Assert.Single(withEmpty.Search("cat", 5));

        // N = 2, n = 1, avgdl = 1 / 2: idf = ln(1 + 1.5 / 1.5) = ln 2; dl / avgdl = 2.
        Assert.Equal(Math.Log(2) / (1 + (1.2 * (0.25 + (0.75 * 2)))), match.Score, 1e-12);
    }
}
