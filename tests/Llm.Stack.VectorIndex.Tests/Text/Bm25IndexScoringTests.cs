namespace Llm.Stack.VectorIndex.Tests;

public class Bm25IndexScoringTests
{
    // Stop words and stemming off so that the worked example is about the formula only.
    private static Bm25Options Plain() => new() { RemoveStopWords = false, Stemmer = Bm25Stemmer.None };

    private static Bm25Index<string> WorkedExample()
    {
        var index = new Bm25Index<string>(Plain());
        index.Upsert("d1", "cat dog");
        index.Upsert("d2", "cat cat fish");
        index.Upsert("d3", "bird");
        return index;
    }

    [Fact]
    public void Scores_equal_the_hand_computed_Lucene_BM25_values()
    {
        // N = 3 documents, lengths 2, 3, 1, so avgdl = 6 / 3 = 2; k1 = 1.2, b = 0.75.
        // idf(cat)  = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6)      = 0.47000362924573563
        // idf(fish) = ln(1 + (3 - 1 + 0.5) / (1 + 0.5)) = ln(8/3)      = 0.98082925301172630
        // d1, cat: tf 1, dl 2: 1 / (1 + 1.2 · (0.25 + 0.75 · 2/2)) = 1 / 2.2    → 0.47000362924573563 / 2.2 = 0.2136380132935162
        // d2, cat: tf 2, dl 3: 2 / (2 + 1.2 · (0.25 + 0.75 · 3/2)) = 2 / 3.65   → 0.2575362352031428
        // d2, fish: tf 1, dl 3: 1 / (1 + 1.65) = 1 / 2.65 → 0.98082925301172630 / 2.65 = 0.3701242464191420
        Bm25Index<string> index = WorkedExample();

        IReadOnlyList<KeywordMatch<string>> cat = index.Search("cat", 10);
        Assert.Equal(["d2", "d1"], cat.Select(m => m.Key));
        Assert.Equal(0.2575362352031428, cat[0].Score, 1e-12);
        Assert.Equal(0.2136380132935162, cat[1].Score, 1e-12);

        IReadOnlyList<KeywordMatch<string>> catFish = index.Search("cat fish", 10);
        Assert.Equal(["d2", "d1"], catFish.Select(m => m.Key));
        Assert.Equal(0.2575362352031428 + 0.3701242464191420, catFish[0].Score, 1e-12);
        Assert.Equal(0.2136380132935162, catFish[1].Score, 1e-12);
    }

    [Fact]
    public void A_repeated_query_term_counts_once_per_occurrence()
    {
        Bm25Index<string> index = WorkedExample();
        double once = index.Search("cat", 10)[0].Score;
        double twice = index.Search("cat CAT", 10)[0].Score;
        Assert.Equal(0.5150724704062856, twice, 1e-12);
        Assert.Equal(2 * once, twice, 1e-12);
    }

    [Fact]
    public void A_term_in_every_document_still_scores_positive()
    {
        var index = new Bm25Index<int>(Plain());
        for (int i = 0; i < 5; i++)
        {
            index.Upsert(i, "common word " + i);
        }

        // idf = ln(1 + (5 - 5 + 0.5) / (5 + 0.5)) = ln(1 + 1/11) > 0: the non-negative Lucene IDF.
        IReadOnlyList<KeywordMatch<int>> matches = index.Search("common", 10);
        Assert.Equal(5, matches.Count);
        Assert.All(matches, m => Assert.Equal(Math.Log(1 + (0.5 / 5.5)) / (1 + 1.2), m.Score, 1e-12));
    }

    [Fact]
    public void K1_and_B_change_the_scores_as_the_formula_says()
    {
        var options = Plain();
        options.K1 = 2.0;
        options.B = 0;
        var index = new Bm25Index<string>(options);
        index.Upsert("d1", "cat dog");
        index.Upsert("d2", "cat cat fish");
        index.Upsert("d3", "bird");

        // b = 0: no length normalization; d2: idf(cat) · 2 / (2 + 2) = 0.47000362924573563 / 2.
        IReadOnlyList<KeywordMatch<string>> cat = index.Search("cat", 10);
        Assert.Equal(Math.Log(1.6) * 2 / 4, cat[0].Score, 1e-12);
        Assert.Equal(Math.Log(1.6) * 1 / 3, cat[1].Score, 1e-12);
    }

    [Fact]
    public void Ranking_is_sensible_on_a_small_corpus()
    {
        var index = new Bm25Index<string>();
        index.Upsert("pasta", "Boil the pasta in salted water and serve it with tomato sauce.");
        index.Upsert("bread", "Knead the dough, let it rise, and bake the bread in a hot oven.");
        index.Upsert("gc", "The .NET garbage collector compacts the heap and promotes objects between generations.");
        index.Upsert("jit", "The JIT compiler turns IL into machine code; tiered compilation recompiles hot methods.");
        index.Upsert("rivers", "Rivers carry water from mountains to the sea.");

        Assert.Equal("gc", index.Search("How does the garbage collector work?", 3)[0].Key);
        Assert.Equal("jit", index.Search("tiered JIT compilation", 3)[0].Key);
        Assert.Equal("bread", index.Search("baking breads", 3)[0].Key);
        IReadOnlyList<KeywordMatch<string>> water = index.Search("water", 5);
        Assert.Equal(["pasta", "rivers"], water.Select(m => m.Key).Order());
        Assert.Empty(index.Search("quantum chromodynamics", 5));
    }

    [Fact]
    public void Results_are_sorted_and_bounded_by_top()
    {
        var random = new Random(42);
        string[] vocabulary = Enumerable.Range(0, 50).Select(i => "w" + i).ToArray();
        var index = new Bm25Index<int>(Plain());
        for (int i = 0; i < 500; i++)
        {
            index.Upsert(i, string.Join(' ', Enumerable.Range(0, random.Next(1, 20)).Select(_ => vocabulary[random.Next(vocabulary.Length)])));
        }

        IReadOnlyList<KeywordMatch<int>> all = index.Search("w1 w2 w3", 1000);
        IReadOnlyList<KeywordMatch<int>> top7 = index.Search("w1 w2 w3", 7);
        Assert.Equal(7, top7.Count);
        Assert.Equal(all.Take(7), top7);
        for (int i = 1; i < all.Count; i++)
        {
            Assert.True(all[i - 1].Score > all[i].Score || (all[i - 1].Score == all[i].Score && all[i - 1].Key < all[i].Key));
        }
    }

    [Fact]
    public void Equal_scores_keep_insertion_order()
    {
        var index = new Bm25Index<string>(Plain());
        index.Upsert("z", "same text");
        index.Upsert("a", "same text");
        index.Upsert("m", "same text");
        Assert.Equal(["z", "a", "m"], index.Search("same", 3).Select(m => m.Key));
        Assert.Equal(["z", "a"], index.Search("same", 2).Select(m => m.Key));
    }

    [Fact]
    public void Filter_is_applied_before_taking_the_top()
    {
        var index = new Bm25Index<int>(Plain());
        for (int i = 0; i < 100; i++)
        {
            // Lower keys mention "apple" more often, so they score higher.
            index.Upsert(i, string.Join(' ', Enumerable.Repeat("apple", 1 + ((100 - i) / 10))) + " filler text here");
        }

        var calls = new List<int>();
        IReadOnlyList<KeywordMatch<int>> odd = index.Search("apple", 5, key =>
        {
            calls.Add(key);
            return key % 2 == 1;
        });

        Assert.Equal(5, odd.Count);
        Assert.All(odd, m => Assert.Equal(1, m.Key % 2));
        Assert.Equal(index.Search("apple", 100).Where(m => m.Key % 2 == 1).Take(5), odd);

        // At most once per candidate document, never for one that could not enter the top.
        Assert.Equal(calls.Count, calls.Distinct().Count());
        Assert.InRange(calls.Count, 5, 100);

        // A selective filter: the top is still taken among accepted documents, however far down they rank.
        Assert.Equal([98, 99], index.Search("apple", 5, key => key >= 98).Select(m => m.Key));
        Assert.Empty(index.Search("apple", 5, _ => false));
    }

    [Fact]
    public void Filter_is_called_once_per_candidate_even_with_several_query_terms()
    {
        var index = new Bm25Index<int>(Plain());
        index.Upsert(1, "alpha beta gamma");
        index.Upsert(2, "alpha beta");
        var seen = new List<int>();
        IReadOnlyList<KeywordMatch<int>> result = index.Search("alpha beta gamma", 10, key =>
        {
            seen.Add(key);
            return key == 2;
        });
        Assert.Equal([2], result.Select(m => m.Key));
        Assert.Equal([1, 2], seen.Order());
    }

    [Fact]
    public void A_throwing_filter_leaves_the_index_usable()
    {
        Bm25Index<string> index = WorkedExample();
        Assert.Throws<InvalidOperationException>(() => index.Search("cat", 10, _ => throw new InvalidOperationException("boom")));
        IReadOnlyList<KeywordMatch<string>> cat = index.Search("cat", 10);
        Assert.Equal(0.2575362352031428, cat[0].Score, 1e-12);
        index.Upsert("d4", "cat");
        Assert.Equal(3, index.Search("cat", 10).Count);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_their_names()
    {
        Bm25Index<string> index = WorkedExample();
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search("   ", 5)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search("", 5)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentNullException>(() => index.Search(null!, 5)).ParamName);
        Assert.Equal("top", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search("cat", 0)).ParamName);
        Assert.Equal("top", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search("cat", -1)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => index.Upsert(null!, "x")).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => index.Upsert("k", null!)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => index.Remove(null!)).ParamName);
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void A_query_of_stop_words_or_unknown_terms_finds_nothing()
    {
        var index = new Bm25Index<string>();
        index.Upsert("a", "The cat is on the mat.");
        Assert.Empty(index.Search("the is on", 5));
        Assert.Empty(index.Search("?!", 5));
        Assert.Empty(new Bm25Index<string>().Search("cat", 5));
    }

    [Fact]
    public void Options_are_validated_and_copied()
    {
        var options = new Bm25Options();
        Assert.Equal(1.2, options.K1);
        Assert.Equal(0.75, options.B);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.K1 = -0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.K1 = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.K1 = double.PositiveInfinity);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.B = 1.01);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.B = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Stemmer = (Bm25Stemmer)99);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxTokenLength = 0);

        var index = new Bm25Index<string>(options);
        options.K1 = 2;
        Assert.Equal(1.2, index.Options.K1);
    }
}
