namespace Llm.Stack.VectorIndex.Tests;

public class Bm25IndexConcurrencyTests
{
    [Fact]
    public async Task Readers_see_consistent_results_while_writers_change_the_index()
    {
        var index = new Bm25Index<int>();

        // Stable documents (keys 0..99) are never touched and each holds "anchor"; churned ones (keys 1000+) never do.
        for (int i = 0; i < 100; i++)
        {
            index.Upsert(i, $"anchor stable document number{i}");
        }

        string[] words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
        using var stop = new CancellationTokenSource();
        // Each writer owns a key range and records what it left there.
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            var truth = new Dictionary<int, string>();
            for (int step = 0; step < 4000; step++)
            {
                int key = 1000 + (w * 1000) + random.Next(300);
                if (random.Next(4) == 0)
                {
                    Assert.Equal(truth.Remove(key), index.Remove(key));
                }
                else
                {
                    string text = string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => words[random.Next(words.Length)]));
                    truth[key] = text;
                    index.Upsert(key, text);
                }
            }

            return truth;
        })).ToArray();

        int searches = 0;
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                IReadOnlyList<KeywordMatch<int>> anchors = index.Search("anchor", 200);
                Assert.Equal(100, anchors.Count);
                Assert.All(anchors, m => Assert.InRange(m.Key, 0, 99));

                // Stable documents are identical, so they always tie: insertion order.
                Assert.Equal(Enumerable.Range(0, 100), anchors.Select(m => m.Key));
                Assert.All(anchors, m => Assert.Equal(anchors[0].Score, m.Score));

                IReadOnlyList<KeywordMatch<int>> churn = index.Search("alpha beta", 50, key => key % 2 == 0);
                Assert.All(churn, m => Assert.True(m.Key >= 1000 && m.Key % 2 == 0));
                for (int i = 1; i < churn.Count; i++)
                {
                    Assert.True(churn[i - 1].Score >= churn[i].Score);
                }

                Interlocked.Increment(ref searches);
            }
        })).ToArray();

        Dictionary<int, string>[] written = await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(searches > 0);

        // Nothing lost: the final state equals a fresh build of the same contents.
        var fresh = new Bm25Index<int>();
        for (int i = 0; i < 100; i++)
        {
            fresh.Upsert(i, $"anchor stable document number{i}");
        }

        foreach ((int key, string text) in written.SelectMany(d => d))
        {
            fresh.Upsert(key, text);
        }

        Assert.Equal(fresh.Count, index.Count);
        foreach (string query in new[] { "anchor", "alpha", "beta gamma", "delta epsilon zeta", "number7" })
        {
            Assert.Equal(fresh.Search(query, 2000).OrderBy(m => m.Key), index.Search(query, 2000).OrderBy(m => m.Key));
        }
    }

    [Fact]
    public async Task Saves_during_writes_are_consistent_snapshots()
    {
        var index = new Bm25Index<int>();
        for (int i = 0; i < 200; i++)
        {
            index.Upsert(i, "base text " + i);
        }

        // A writer churns keys 1000..1099 and 2000..2099 while snapshots are taken; each snapshot must load and hold the
        // untouched documents and only keys the writer uses.
        Task writer = Task.Run(() =>
        {
            for (int i = 0; i < 1500; i++)
            {
                index.Upsert(1000 + (i % 100), "pair left");
                index.Remove(2000 + ((i + 50) % 100));
                index.Upsert(2000 + (i % 100), "pair right");
            }
        });

        int snapshots = 0;
        while (!writer.IsCompleted || snapshots < 3)
        {
            using var stream = new MemoryStream();
            index.Save(stream);
            stream.Position = 0;
            Bm25Index<int> loaded = Bm25Index<int>.Load(stream);
            Assert.Equal(200, loaded.Search("base", 1000).Count);
            Assert.InRange(loaded.Count, 200, 400);
            Assert.All(loaded.Search("pair", 1000), m => Assert.True(m.Key is >= 1000 and < 1100 or >= 2000 and < 2100));
            snapshots++;
        }

        await writer;

        // 200 base + 100 "left" + the 50 "right" keys (2050..2099) whose last upsert came after their last removal.
        Assert.Equal(350, index.Count);
        Assert.Equal(Enumerable.Range(2050, 50), index.Search("right", 1000).Select(m => m.Key).Order());
    }
}
