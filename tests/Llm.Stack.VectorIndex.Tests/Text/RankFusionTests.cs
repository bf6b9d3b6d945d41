namespace Llm.Stack.VectorIndex.Tests;

public class RankFusionTests
{
    [Fact]
    public void Reciprocal_rank_fusion_matches_the_worked_example()
    {
        // Cormack, Clarke & Büttcher (SIGIR 2009): RRFscore(d) = Σ 1 / (k + r(d)), 1-based ranks, k = 60.
        // a: 1/61 + 1/62 = 0.03252247488101534; c: 1/63 + 1/61 = 0.032266458495966696; b: 1/62; d: 1/63.
        IReadOnlyList<string> vector = ["a", "b", "c"];
        IReadOnlyList<string> keyword = ["c", "a", "d"];
        IReadOnlyList<FusedResult<string>> fused = RankFusion.ReciprocalRank([vector, keyword]);

        Assert.Equal(["a", "c", "b", "d"], fused.Select(r => r.Item));
        Assert.Equal(0.03252247488101534, fused[0].Score, 1e-15);
        Assert.Equal(0.032266458495966696, fused[1].Score, 1e-15);
        Assert.Equal(1.0 / 62, fused[2].Score, 1e-15);
        Assert.Equal(1.0 / 63, fused[3].Score, 1e-15);

        Assert.Equal(["a", "c"], RankFusion.ReciprocalRank([vector, keyword], top: 2).Select(r => r.Item));
    }

    [Fact]
    public void Reciprocal_rank_fusion_with_k_and_weights()
    {
        // k = 0: scores are 1/rank. Weights 2 and 1: a = 2/1 + 1/2 = 2.5; c = 2/3 + 1/1 = 1.6667; b = 2/2 = 1; d = 1/3.
        IReadOnlyList<FusedResult<string>> fused = RankFusion.ReciprocalRank<string>([["a", "b", "c"], ["c", "a", "d"]], k: 0, weights: [2.0, 1.0]);
        Assert.Equal(["a", "c", "b", "d"], fused.Select(r => r.Item));
        Assert.Equal([2.5, (2.0 / 3) + 1, 1.0, 1.0 / 3], fused.Select(r => r.Score), (x, y) => Math.Abs(x - y) < 1e-12);
    }

    [Fact]
    public void Ties_break_by_best_rank_then_first_appearance()
    {
        // x: 1/61 + 1/63 and y: 1/62 + 1/62 differ; p and q below tie exactly.
        // p is first in list 0 and third in list 1; q is third in list 0 and first in list 1: same score, same best rank 1,
        // p appears first. r and s have rank 2 in one list each: tie, r appears first.
        IReadOnlyList<FusedResult<string>> fused = RankFusion.ReciprocalRank<string>([["p", "r", "q"], ["q", "s", "p"]]);
        Assert.Equal(["p", "q", "r", "s"], fused.Select(r => r.Item));
        Assert.Equal(fused[0].Score, fused[1].Score, 1e-15);

        // A tie between an item with best rank 1 and one with best rank 2: rank 1 wins even if it appears later.
        // u: rank 2 in list 0 (1/62); v: rank 1 in list 1 at weight 61/62 → 61/62 · 1/61 = 1/62.
        IReadOnlyList<FusedResult<string>> weighted = RankFusion.ReciprocalRank<string>([["t", "u"], ["v"]], weights: [1.0, 61.0 / 62]);
        Assert.Equal(["t", "v", "u"], weighted.Select(r => r.Item));
    }

    [Fact]
    public void Duplicates_within_one_ranking_count_once_at_their_best_position()
    {
        IReadOnlyList<FusedResult<string>> fused = RankFusion.ReciprocalRank<string>([["a", "b", "a"]]);
        Assert.Equal(["a", "b"], fused.Select(r => r.Item));
        Assert.Equal(1.0 / 61, fused[0].Score, 1e-15);
    }

    [Fact]
    public void The_comparer_decides_identity()
    {
        IReadOnlyList<FusedResult<string>> fused = RankFusion.ReciprocalRank<string>([["A"], ["a"]], comparer: StringComparer.OrdinalIgnoreCase);
        FusedResult<string> single = Assert.Single(fused);
        Assert.Equal("A", single.Item);
        Assert.Equal(2.0 / 61, single.Score, 1e-15);
    }

    [Fact]
    public void Relative_score_fusion_matches_weaviate_and_llamaindex()
    {
        // Weaviate, usecases/traverser/hybrid/hybrid_fusion.go (FusionRelativeScore): "Input score = [1, 8, 6, 11] => [0, 0.7, 0.5, 1]".
        IReadOnlyList<FusedResult<string>> single = RankFusion.RelativeScore<string>([[("d", 11), ("b", 8), ("c", 6), ("a", 1)]]);
        Assert.Equal(["d", "b", "c", "a"], single.Select(r => r.Item));
        Assert.Equal([1.0, 0.7, 0.5, 0.0], single.Select(r => r.Score), (x, y) => Math.Abs(x - y) < 1e-12);

        // Two lists with weights 0.7 (vector) and 0.3 (keyword), as Weaviate's alpha = 0.7:
        // vector [x 0.9, y 0.8, z 0.5] → [1, 0.75, 0]; keyword BM25 [z 12, x 3, w 2] → [1, 0.1, 0].
        // x = 0.7 · 1 + 0.3 · 0.1 = 0.73; y = 0.7 · 0.75 = 0.525; z = 0 + 0.3 · 1 = 0.3; w = 0.
        IReadOnlyList<FusedResult<string>> fused = RankFusion.RelativeScore<string>(
            [[("x", 0.9), ("y", 0.8), ("z", 0.5)], [("z", 12), ("x", 3), ("w", 2)]],
            weights: [0.7, 0.3]);
        Assert.Equal(["x", "y", "z", "w"], fused.Select(r => r.Item));
        Assert.Equal([0.73, 0.525, 0.3, 0.0], fused.Select(r => r.Score), (x, y) => Math.Abs(x - y) < 1e-12);

        // LlamaIndex, llama-index-core/llama_index/core/retrievers/fusion_retriever.py (QueryFusionRetriever): weights are
        // normalized to sum to 1, so [7, 3] gives the same result as [0.7, 0.3]; null weights are equal (1/n each).
        IReadOnlyList<FusedResult<string>> unnormalized = RankFusion.RelativeScore<string>(
            [[("x", 0.9), ("y", 0.8), ("z", 0.5)], [("z", 12), ("x", 3), ("w", 2)]],
            weights: [7.0, 3.0]);
        Assert.Equal(fused.Select(r => r.Item), unnormalized.Select(r => r.Item));
        Assert.Equal(fused.Select(r => r.Score), unnormalized.Select(r => r.Score), (x, y) => Math.Abs(x - y) < 1e-12);

        IReadOnlyList<FusedResult<string>> equal = RankFusion.RelativeScore<string>([[("x", 0.9), ("y", 0.8), ("z", 0.5)], [("z", 12), ("x", 3), ("w", 2)]]);
        Assert.Equal(0.5 + 0.05, equal.Single(r => r.Item == "x").Score, 1e-12);
    }

    [Fact]
    public void Relative_score_of_a_constant_list_is_one()
    {
        // Weaviate: "If all scores are identical min and max are the same => just set score to the weight."
        IReadOnlyList<FusedResult<string>> fused = RankFusion.RelativeScore<string>([[("a", 3), ("b", 3)]]);
        Assert.Equal([1.0, 1.0], fused.Select(r => r.Score));
        Assert.Equal(["a", "b"], fused.Select(r => r.Item));

        // An empty ranking keeps its weight (as in both references): the other list's weight stays 1/2.
        IReadOnlyList<FusedResult<string>> withEmpty = RankFusion.RelativeScore<string>([[("a", 3), ("b", 3)], []]);
        Assert.Equal([0.5, 0.5], withEmpty.Select(r => r.Score));
    }

    [Fact]
    public void Empty_input_gives_an_empty_result()
    {
        Assert.Empty(RankFusion.ReciprocalRank<string>([]));
        Assert.Empty(RankFusion.ReciprocalRank<string>([[], []]));
        Assert.Empty(RankFusion.RelativeScore<string>([]));
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_their_names()
    {
        Assert.Equal("rankings", Assert.Throws<ArgumentNullException>(() => RankFusion.ReciprocalRank<string>(null!)).ParamName);
        Assert.Equal("rankings", Assert.Throws<ArgumentNullException>(() => RankFusion.ReciprocalRank<string>([null!])).ParamName);
        Assert.Equal("rankings", Assert.Throws<ArgumentNullException>(() => RankFusion.ReciprocalRank<string>([["a", null!]])).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => RankFusion.ReciprocalRank<string>([["a"]], k: -1)).ParamName);
        Assert.Equal("top", Assert.Throws<ArgumentOutOfRangeException>(() => RankFusion.ReciprocalRank<string>([["a"]], top: 0)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => RankFusion.ReciprocalRank<string>([["a"]], weights: [1.0, 2.0])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => RankFusion.ReciprocalRank<string>([["a"]], weights: [double.NaN])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => RankFusion.ReciprocalRank<string>([["a"]], weights: [-1.0])).ParamName);

        Assert.Equal("rankings", Assert.Throws<ArgumentException>(() => RankFusion.RelativeScore<string>([[("a", double.NaN)]])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => RankFusion.RelativeScore<string>([[("a", 1)]], weights: [0.0])).ParamName);
        Assert.Equal("top", Assert.Throws<ArgumentOutOfRangeException>(() => RankFusion.RelativeScore<string>([[("a", 1)]], top: -3)).ParamName);
    }

    [Fact]
    public void Fusing_bm25_results_works_end_to_end()
    {
        var index = new Bm25Index<string>();
        index.Upsert("1", "vector databases store embeddings");
        index.Upsert("2", "keyword search with BM25");
        index.Upsert("3", "hybrid search combines vector and keyword search");
        IReadOnlyList<string> keyword = index.Search("keyword search", 10).Select(m => m.Key).ToList();
        Assert.Equal(["2", "3"], keyword); // the shorter document first

        // 3 (first by vector, second by keyword): 1/61 + 1/62 beats 2 (third by vector, first by keyword): 1/63 + 1/61.
        IReadOnlyList<string> vector = ["3", "1", "2"]; // as a vector index might rank them
        IReadOnlyList<FusedResult<string>> fused = RankFusion.ReciprocalRank([vector, keyword], top: 2);
        Assert.Equal(["3", "2"], fused.Select(r => r.Item));
    }
}
