using Llm.Stack.Tests.Rag;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Retrieval;

public sealed class RetrieverTests
{
    private static readonly (string Id, string Category, string Text)[] Texts =
    [
        ("a", "water", "The river runs past the city. The river is wide."),
        ("b", "water", "A quiet lake in the mountain valley."),
        ("c", "land", "The mountain rises above the city."),
        ("d", "water", "River, river, river: the delta of the great river."),
        ("e", "land", "The city has a mountain view."),
    ];

    [Fact]
    public async Task Vector_store_retriever_searches_a_real_MEVD_collection_with_top_threshold_and_filters()
    {
        var embedder = new ConceptEmbeddingGenerator();
        InMemoryVectorCollection<string, ConceptRecord> collection = await CollectionAsync(embedder);

        var retriever = new VectorStoreRetriever<string, ConceptRecord>(collection, r => r.ToChunk(), embedder);
        IReadOnlyList<RetrievedChunk> top2 = await retriever.RetrieveAsync("river", new RetrievalOptions { Top = 2 });
        Assert.Equal(["d", "a"], top2.Select(c => c.Chunk.Id));
        Assert.True(top2[0].Score >= top2[1].Score);

        // Score threshold on cosine similarity: only chunks that are mostly about rivers.
        IReadOnlyList<RetrievedChunk> strong = await retriever.RetrieveAsync("river", new RetrievalOptions { Top = 5, ScoreThreshold = 0.8 });
        Assert.Equal(["d", "a"], strong.Select(c => c.Chunk.Id));

        // Metadata filter applied after the search (no translator).
        IReadOnlyList<RetrievedChunk> land = await retriever.RetrieveAsync("river mountain", new RetrievalOptions { Top = 2, MetadataFilter = new Dictionary<string, object?> { ["category"] = "land" } });
        Assert.Equal(["c", "e"], land.Select(c => c.Chunk.Id).Order());

        // Metadata filter translated into a store filter, plus a fixed filter: both apply.
        var translated = new VectorStoreRetriever<string, ConceptRecord>(collection, r => r.ToChunk(), embedder, new VectorStoreRetrieverOptions<ConceptRecord>
        {
            Filter = r => r.DocumentId != "c",
            MetadataFilterTranslator = m =>
            {
                string category = (string)m["category"]!; // stores translate captured values, not method calls
                return r => r.Category == category;
            },
        });
        IReadOnlyList<RetrievedChunk> onlyE = await translated.RetrieveAsync("mountain", new RetrievalOptions { Top = 3, MetadataFilter = new Dictionary<string, object?> { ["category"] = "land" } });
        Assert.Equal("e", Assert.Single(onlyE).Chunk.Id);
    }

    [Fact]
    public async Task Bm25_retriever_ranks_by_keywords_and_filters_inside_the_index()
    {
        Bm25Retriever<string> retriever = Bm25Retriever.FromChunks(Texts.Select(t => Chunk(t.Id, t.Category, t.Text)));

        IReadOnlyList<RetrievedChunk> rivers = await retriever.RetrieveAsync("river delta", new RetrievalOptions { Top = 3 });
        Assert.Equal(["d", "a"], rivers.Select(c => c.Chunk.Id));

        IReadOnlyList<RetrievedChunk> land = await retriever.RetrieveAsync("city", new RetrievalOptions { Top = 1, MetadataFilter = new Dictionary<string, object?> { ["category"] = "land" } });
        Assert.Equal("land", Assert.Single(land).Chunk.Metadata["category"]);
    }

    [Fact]
    public async Task Reciprocal_rank_fusion_adds_one_over_k_plus_rank_per_ranking()
    {
        var first = new FixedRetriever(Corpus.Chunk("x", 0, "A", 9), Corpus.Chunk("x", 1, "B", 8), Corpus.Chunk("x", 2, "C", 7));
        var second = new FixedRetriever(Corpus.Chunk("x", 2, "C", 0.9), Corpus.Chunk("x", 0, "A", 0.1));
        var hybrid = new HybridRetriever([first, second], new HybridRetrieverOptions { K = 60 });

        IReadOnlyList<RetrievedChunk> fused = await hybrid.RetrieveAsync("q", new RetrievalOptions { Top = 3 });

        // A: 1/61 + 1/62; C: 1/63 + 1/61; B: 1/62.
        Assert.Equal(["x#0", "x#2", "x#1"], fused.Select(c => c.Chunk.Id));
        Assert.Equal((1.0 / 61) + (1.0 / 62), fused[0].Score, 12);
        Assert.Equal((1.0 / 63) + (1.0 / 61), fused[1].Score, 12);
        Assert.Equal(1.0 / 62, fused[2].Score, 12);
        Assert.Equal(9, first.Options.Single()!.Top);
    }

    [Fact]
    public async Task Relative_score_fusion_takes_the_weighted_mean_of_min_max_normalised_scores()
    {
        var first = new FixedRetriever(Corpus.Chunk("x", 0, "A", 10), Corpus.Chunk("x", 1, "B", 6), Corpus.Chunk("x", 2, "C", 2));
        var second = new FixedRetriever(Corpus.Chunk("x", 2, "C", 0.9), Corpus.Chunk("x", 1, "B", 0.5), Corpus.Chunk("x", 0, "A", 0.4));
        var hybrid = new HybridRetriever([first, second], new HybridRetrieverOptions { Method = FusionMethod.RelativeScore, Weights = [3, 1] });

        IReadOnlyList<RetrievedChunk> fused = await hybrid.RetrieveAsync("q", new RetrievalOptions { Top = 3 });

        // Normalised: first A 1, B 0.5, C 0; second C 1, B 0.2, A 0. Weighted mean with weights 3:1.
        Assert.Equal(["x#0", "x#1", "x#2"], fused.Select(c => c.Chunk.Id));
        Assert.Equal(0.75, fused[0].Score, 12);
        Assert.Equal((0.75 * 0.5) + (0.25 * 0.2), fused[1].Score, 12);
        Assert.Equal(0.25, fused[2].Score, 12);
    }

    [Fact]
    public async Task Hybrid_retrieval_searches_every_query_variant_with_every_retriever()
    {
        var first = new FixedRetriever(Corpus.Rivers());
        var second = new FixedRetriever(Corpus.Rivers());
        var chat = new ScriptedChatClient(["1. longest European river\n- Volga length\n"]);
        var hybrid = new HybridRetriever([first, second], new HybridRetrieverOptions { QueryVariants = QueryVariants.FromChatClient(chat, 2) });

        await hybrid.RetrieveAsync("Which river is longest?");

        Assert.Equal(["Which river is longest?", "longest European river", "Volga length"], first.Queries);
        Assert.Equal(first.Queries, second.Queries);
    }

    [Fact]
    public async Task Context_expansion_adds_neighbours_and_merges_overlapping_hits()
    {
        DocumentChunk[] doc = Enumerable.Range(0, 6).Select(i => new DocumentChunk("d", i, $"part {i}.") { Start = i * 10, Length = 7 }).ToArray();
        var inner = new FixedRetriever(new RetrievedChunk(doc[2], 0.9), new RetrievedChunk(doc[3], 0.8), new RetrievedChunk(doc[5], 0.7));
        var expansion = new ContextExpansionRetriever(inner, (id, ordinal, _) => ValueTask.FromResult(ordinal < doc.Length ? doc[ordinal] : null));

        IReadOnlyList<RetrievedChunk> result = await expansion.RetrieveAsync("q");

        Assert.Equal(2, result.Count);
        Assert.Equal("d#2", result[0].Chunk.Id);
        Assert.Equal("part 1.\npart 2.\npart 3.", result[0].Chunk.Text);
        Assert.Equal(10, result[0].Chunk.Start);
        Assert.Equal(27, result[0].Chunk.Length);
        Assert.Equal("part 4.\npart 5.", result[1].Chunk.Text);
        Assert.Equal(0.7, result[1].Score);
    }

    [Fact]
    public async Task Parent_expansion_replaces_hits_by_their_parent_once()
    {
        var parent = new DocumentChunk("d", 0, "The whole section.") { Id = "parent" };
        var inner = new FixedRetriever(Corpus.Chunk("d", 1, "child one", 0.9), Corpus.Chunk("d", 2, "child two", 0.8));
        var expansion = new ContextExpansionRetriever(inner, null, (_, _) => ValueTask.FromResult<DocumentChunk?>(parent));

        IReadOnlyList<RetrievedChunk> result = await expansion.RetrieveAsync("q");

        RetrievedChunk only = Assert.Single(result);
        Assert.Same(parent, only.Chunk);
        Assert.Equal(0.9, only.Score);
    }

    [Fact]
    public async Task Llm_listwise_reranker_follows_the_models_order_and_keeps_the_rest()
    {
        var chat = new ScriptedChatClient(["3 > 1 > 7 > 3"]);
        var reranker = new LlmListwiseReranker(chat);

        IReadOnlyList<RetrievedChunk> result = await reranker.RerankAsync("lakes", Corpus.Rivers());

        Assert.Equal(["lakes.md#0", "rivers.md#0", "rivers.md#1"], result.Select(c => c.Chunk.Id));
        Assert.Equal([1.0, 2.0 / 3, 1.0 / 3], result.Select(c => c.Score));
        string prompt = chat.Calls.Single()[^1].Text;
        Assert.Contains("<source id=\"3\">", prompt, StringComparison.Ordinal);
        Assert.Contains("Query: lakes", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cross_encoder_reranker_sorts_by_the_encoders_scores()
    {
        var reranker = new CrossEncoderReranker(new LengthCrossEncoder());

        IReadOnlyList<RetrievedChunk> result = await reranker.RerankAsync("q", [Corpus.Chunk("d", 0, "short", 1), Corpus.Chunk("d", 1, "much longer text", 0.5)], top: 1);

        Assert.Equal("d#1", Assert.Single(result).Chunk.Id);
        Assert.Equal(16, result[0].Score);
    }

    [Fact]
    public async Task Mmr_prefers_a_diverse_second_pick_over_a_near_duplicate()
    {
        var reranker = new MmrReranker(new ConceptEmbeddingGenerator()) { Lambda = 0.5 };
        RetrievedChunk[] candidates =
        [
            Corpus.Chunk("d", 0, "river river lake", 0.9),
            Corpus.Chunk("d", 1, "river river lake again", 0.85),
            Corpus.Chunk("d", 2, "lake city", 0.5),
        ];

        IReadOnlyList<RetrievedChunk> result = await reranker.RerankAsync("river lake", candidates, top: 2);

        Assert.Equal(["d#0", "d#2"], result.Select(c => c.Chunk.Id));
    }

    [Fact]
    public void Mmr_with_lambda_one_is_pure_relevance()
    {
        ReadOnlyMemory<float>[] candidates = [new float[] { 1, 0 }, new float[] { 0.9f, 0.1f }, new float[] { 0, 1 }];
        Assert.Equal([0, 1, 2], MaximalMarginalRelevance.Select([1, 0], candidates, 3, lambda: 1));
        Assert.Equal([0, 2, 1], MaximalMarginalRelevance.Select([1, 0], candidates, 3, lambda: 0.3));
        Assert.Throws<ArgumentException>(() => MaximalMarginalRelevance.Select([1, 0, 0], candidates, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaximalMarginalRelevance.Select([1, 0], candidates, 1, lambda: 2));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new HybridRetriever([]));
        Assert.Throws<ArgumentException>(() => new HybridRetriever([new FixedRetriever()], new HybridRetrieverOptions { Weights = [1, 2] }));
        Assert.Throws<ArgumentException>(() => new ContextExpansionRetriever(new FixedRetriever(), null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridRetrieverOptions { CandidateMultiplier = 0 });
    }

    private static DocumentChunk Chunk(string id, string category, string text) =>
        new(id, 0, text) { Id = id, Metadata = new Dictionary<string, object?> { ["category"] = category } };

    private static async Task<InMemoryVectorCollection<string, ConceptRecord>> CollectionAsync(ConceptEmbeddingGenerator embedder)
    {
        InMemoryVectorCollection<string, ConceptRecord> collection = new InMemoryVectorStore().GetCollection<string, ConceptRecord>("chunks");
        await collection.EnsureCollectionExistsAsync();
        GeneratedEmbeddings<Embedding<float>> vectors = await embedder.GenerateAsync(Texts.Select(t => t.Text));
        await collection.UpsertAsync(Texts.Select((t, i) => new ConceptRecord { Id = t.Id, DocumentId = t.Id, Text = t.Text, Category = t.Category, Embedding = vectors[i].Vector }));
        return collection;
    }

    private sealed class LengthCrossEncoder : ICrossEncoder
    {
        public Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<float>>(passages.Select(p => (float)p.Length).ToList());
    }
}
