using Llm.Stack.Tests.Retrieval;

namespace Llm.Stack.Tests.Prompts;

public sealed class FewShotSelectorTests
{
    private static readonly FewShotExample[] Examples =
    [
        new("How long is the river Nile?", "About 6,650 km."),
        new("How long is the river Amazon?", "About 6,400 km."),
        new("How deep is lake Baikal?", "1,642 m."),
        new("How high is the mountain Everest?", "8,849 m."),
        new("What is the population of the city of Tokyo?", string.Concat(Enumerable.Repeat("A very long answer. ", 100))),
    ];

    [Fact]
    public async Task N_gram_overlap_picks_the_examples_sharing_the_most_words()
    {
        var selector = new FewShotSelector(Examples);

        IReadOnlyList<FewShotExample> picked = await selector.SelectAsync("How long is the river Danube?", 2);

        Assert.Equal(["How long is the river Nile?", "How long is the river Amazon?"], picked.Select(e => e.Input));
    }

    [Fact]
    public async Task Embedding_selection_with_mmr_trades_a_near_duplicate_for_diversity()
    {
        var selector = new FewShotSelector(Examples, new ConceptEmbeddingGenerator()) { Lambda = 0.5 };

        IReadOnlyList<FewShotExample> picked = await selector.SelectAsync("river lake", 2);

        // Both river examples embed identically; MMR keeps one and adds the lake example instead of the duplicate.
        Assert.Equal(2, picked.Count);
        Assert.Contains(picked, e => e.Input.Contains("river", StringComparison.Ordinal));
        Assert.Contains(picked, e => e.Input.Contains("lake", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_budget_skips_examples_that_do_not_fit()
    {
        var selector = new FewShotSelector(Examples);

        IReadOnlyList<FewShotExample> picked = await selector.SelectAsync("population of the city", 2, maxTokens: 60);

        Assert.DoesNotContain(picked, e => e.Input.Contains("Tokyo", StringComparison.Ordinal));
        Assert.Equal(2, picked.Count);
        Assert.Equal(4, picked.SelectMany(e => e.ToMessages()).Count());
        Assert.Empty(await selector.SelectAsync("x", 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => selector.SelectAsync("x", -1));
    }
}
