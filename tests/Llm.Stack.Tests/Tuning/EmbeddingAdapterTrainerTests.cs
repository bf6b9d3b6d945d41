using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Tests.Tuning;

public sealed class EmbeddingAdapterTrainerTests
{
    private const int Dimensions = 32;

    /// <summary>The synthetic distortion is strong and systematic: a faster rate than the default for real data learns it in few epochs.</summary>
    private static EmbeddingAdapterTrainerOptions Synthetic(int rank = 0) => new() { LearningRate = 0.001, Rank = rank };

    [Fact]
    public void Learns_a_distortion_between_queries_and_passages_and_improves_held_out_retrieval()
    {
        var domain = new SyntheticDomain(Dimensions, passages: 400, queries: 300, distortion: 1.2);

        EmbeddingAdapterTrainingResult result = new EmbeddingAdapterTrainer(Synthetic()).Train("synthetic-embedder", domain.Passages.Select(p => (ReadOnlyMemory<float>)p).ToArray(), domain.Examples());

        EmbeddingAdapterReport report = result.Report;
        Assert.NotNull(result.Adapter);
        Assert.True(report.IsImprovement);
        Assert.Equal(60, report.ValidationExamples);
        Assert.Equal(240, report.TrainingExamples);
        Assert.InRange(report.BaseValidation.HitAt1, 0.2, 0.6);
        Assert.True(report.AdaptedValidation.HitAt1 >= report.BaseValidation.HitAt1 + 0.15, report.AdaptedValidation + " vs base " + report.BaseValidation);
        Assert.True(report.AdaptedValidation.MrrAt10 > report.BaseValidation.MrrAt10);
        Assert.InRange(report.BestEpoch, 1, report.Epochs);
        Assert.Equal("synthetic-embedder", result.Adapter.EmbedderModelId);
        Assert.Same(report, result.Adapter.Report);
    }

    [Fact]
    public void Low_rank_adapter_also_improves_and_has_two_rank_by_d_matrices()
    {
        var domain = new SyntheticDomain(Dimensions, passages: 400, queries: 300, distortion: 1.2);

        EmbeddingAdapterTrainingResult result = new EmbeddingAdapterTrainer(Synthetic(rank: 8))
            .Train("synthetic-embedder", domain.Passages.Select(p => (ReadOnlyMemory<float>)p).ToArray(), domain.Examples());

        Assert.NotNull(result.Adapter);
        Assert.Equal(8, result.Adapter.Rank);
        Assert.Equal(2 * 8 * Dimensions, result.Adapter.GetWeights().Length);
        Assert.True(result.Report.AdaptedValidation.MrrAt10 > result.Report.BaseValidation.MrrAt10);
    }

    [Fact]
    public void Equal_seeds_give_equal_adapters_and_other_seeds_other_splits()
    {
        var domain = new SyntheticDomain(Dimensions, passages: 400, queries: 300, distortion: 1.2);
        ReadOnlyMemory<float>[] passages = domain.Passages.Select(p => (ReadOnlyMemory<float>)p).ToArray();
        var options = new EmbeddingAdapterTrainerOptions { MaxEpochs = 5, Seed = 3, LearningRate = 0.001 };

        EmbeddingAdapter? first = new EmbeddingAdapterTrainer(options).Train("m", passages, domain.Examples()).Adapter;
        EmbeddingAdapter? second = new EmbeddingAdapterTrainer(options).Train("m", passages, domain.Examples()).Adapter;
        options.Seed = 4;
        EmbeddingAdapter? third = new EmbeddingAdapterTrainer(options).Train("m", passages, domain.Examples()).Adapter;

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotNull(third);
        Assert.Equal(first.GetWeights(), second.GetWeights());
        Assert.NotEqual(first.GetWeights(), third.GetWeights());
    }

    [Fact]
    public void Returns_no_adapter_when_the_base_embedder_cannot_be_beaten()
    {
        // Queries equal to their passages: the base embedder already ranks every relevant passage first.
        var domain = new SyntheticDomain(Dimensions, passages: 100, queries: 60, distortion: 0);
        EmbeddingTrainingExample[] examples = domain.Passages.Take(60).Select((p, i) => new EmbeddingTrainingExample(p, [i])).ToArray();

        EmbeddingAdapterTrainingResult result = new EmbeddingAdapterTrainer(new EmbeddingAdapterTrainerOptions { MaxEpochs = 10, Patience = 3 })
            .Train("m", domain.Passages.Select(p => (ReadOnlyMemory<float>)p).ToArray(), examples);

        Assert.Null(result.Adapter);
        Assert.False(result.Report.IsImprovement);
        Assert.Equal(0, result.Report.BestEpoch);
        Assert.Equal(1.0, result.Report.BaseValidation.HitAt1);
    }

    [Fact]
    public async Task Trains_from_text_pairs_matching_passages_split_into_chunks_and_reports_unmatched_pairs()
    {
        var domain = new SyntheticDomain(Dimensions, passages: 300, queries: 200, distortion: 1.2);
        LookupEmbeddingGenerator embedder = domain.CreateEmbedder();
        EmbeddedPassage[] corpus = domain.Passages.Select((p, i) => new EmbeddedPassage(SyntheticDomain.PassageText(i), p)).ToArray();

        // Labelled passages as a user has them: with other whitespace, and one pair whose passage is not indexed.
        var pairs = Enumerable.Range(0, 200)
            .Select(i => new EmbeddingTrainingPair(SyntheticDomain.QueryText(i), "  " + SyntheticDomain.PassageText(i).Replace(" ", "\n  ", StringComparison.Ordinal)))
            .Append(new EmbeddingTrainingPair(SyntheticDomain.QueryText(0), "a passage that no chunk of the index holds at all"))
            .ToArray();

        // README: customise a model
        EmbeddingAdapterTrainingResult result = await new EmbeddingAdapterTrainer().TrainAsync(embedder, pairs, corpus);
        IEmbeddingGenerator<string, Embedding<float>> queries = result.Adapter is { } adapter
            ? embedder.AsBuilder().UseEmbeddingAdapter(adapter).Build()
            : embedder;
        // README: end

        Assert.NotNull(result.Adapter);
        Assert.NotEqual(domain.Queries[0], (await queries.GenerateAsync([SyntheticDomain.QueryText(0)], EmbeddingPurpose.ForQuery()))[0].Vector.ToArray());
        Assert.Equal("synthetic-embedder", result.Adapter.EmbedderModelId);
        EmbeddingTrainingPair unmatched = Assert.Single(result.UnmatchedPairs);
        Assert.StartsWith("a passage that no chunk", unmatched.Passage, StringComparison.Ordinal);
        Assert.Equal(200, result.Report.TrainingExamples + result.Report.ValidationExamples);
        Assert.All(embedder.Calls, options => Assert.True(EmbeddingPurpose.IsQuery(options)));
    }

    [Fact]
    public void A_passage_matches_every_chunk_it_contains_and_a_chunk_that_contains_it()
    {
        var matcher = new PassageMatcher(
        [
            "The first half of a long passage about the kernel.",
            "The second half of that long passage, about modules.",
            "An unrelated chunk about printers and their queues.",
        ]);

        Assert.Equal([0, 1], matcher.Match("The first half of a long passage about the kernel.\nThe second half of that long passage, about modules."));
        Assert.Equal([2], matcher.Match("about printers and their"));
        Assert.Empty(matcher.Match("short"));
    }

    [Fact]
    public void Bad_input_names_the_argument_and_the_problem()
    {
        var trainer = new EmbeddingAdapterTrainer();
        ReadOnlyMemory<float>[] passages = [new float[] { 1, 0 }, new float[] { 0, 1 }];
        EmbeddingTrainingExample[] few = [new(new float[] { 1, 0 }, [0])];

        var tooFew = Assert.Throws<ArgumentException>(() => trainer.Train("m", passages, few));
        Assert.Equal("examples", tooFew.ParamName);
        Assert.Contains("at least 10", tooFew.Message, StringComparison.Ordinal);

        EmbeddingTrainingExample[] outOfRange = Enumerable.Range(0, 10).Select(_ => new EmbeddingTrainingExample(new float[] { 1, 0 }, [5])).ToArray();
        var index = Assert.Throws<ArgumentException>(() => trainer.Train("m", passages, outOfRange));
        Assert.Contains("names passage 5", index.Message, StringComparison.Ordinal);

        EmbeddingTrainingExample[] nan = Enumerable.Range(0, 10).Select(_ => new EmbeddingTrainingExample(new float[] { float.NaN, 0 }, [0])).ToArray();
        var notFinite = Assert.Throws<ArgumentException>(() => trainer.Train("m", passages, nan));
        Assert.Contains("not a finite number", notFinite.Message, StringComparison.Ordinal);

        EmbeddingTrainingExample[] wrongDimensions = Enumerable.Range(0, 10).Select(_ => new EmbeddingTrainingExample(new float[] { 1, 0, 0 }, [0])).ToArray();
        var dimensions = Assert.Throws<ArgumentException>(() => trainer.Train("m", passages, wrongDimensions));
        Assert.Contains("3 dimensions", dimensions.Message, StringComparison.Ordinal);

        var option = Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingAdapterTrainer(new EmbeddingAdapterTrainerOptions { LearningRate = 0 }));
        Assert.Equal("LearningRate", option.ParamName);
    }

    [Fact]
    public async Task The_adapter_applied_through_the_pipeline_improves_retrieval_from_a_vector_store_without_re_embedding()
    {
        var domain = new SyntheticDomain(Dimensions, passages: 400, queries: 300, distortion: 1.2);
        LookupEmbeddingGenerator embedder = domain.CreateEmbedder();
        var collection = new InMemoryVectorStore().GetCollection<string, ChunkRecord>("chunks", ChunkRecord.CreateDefinition(Dimensions));
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(domain.Passages.Select((p, i) => new ChunkRecord
        {
            Key = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            DocumentId = "manual",
            Text = SyntheticDomain.PassageText(i),
            Embedding = p,
        }));
        EmbeddingAdapter adapter = new EmbeddingAdapterTrainer(Synthetic())
            .Train("synthetic-embedder", domain.Passages.Select(p => (ReadOnlyMemory<float>)p).ToArray(), domain.Examples()).Adapter!;

        IEmbeddingGenerator<string, Embedding<float>> adapted = embedder.AsBuilder().UseEmbeddingAdapter(adapter).Build();
        double baseHits = await HitAt1Async(VectorStoreRetriever.ForChunkRecords(collection, embedder), domain);
        double adaptedHits = await HitAt1Async(VectorStoreRetriever.ForChunkRecords(collection, adapted), domain);

        Assert.True(adaptedHits >= baseHits + 0.2, $"adapted {adaptedHits:F3} vs base {baseHits:F3}");

        // Documents pass through the adapter unchanged: the index needs no re-embedding.
        GeneratedEmbeddings<Embedding<float>> document = await adapted.GenerateAsync([SyntheticDomain.PassageText(3)]);
        Assert.Equal(domain.Passages[3], document[0].Vector.ToArray());
        Assert.Same(adapter, adapted.GetService<EmbeddingAdapter>());
        Assert.Equal("synthetic-embedder", adapted.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
    }

    [Fact]
    public void The_adapter_refuses_an_embedder_it_was_not_trained_for()
    {
        var domain = new SyntheticDomain(Dimensions, passages: 20, queries: 10, distortion: 0.5);
        var adapter = new EmbeddingAdapter("synthetic-embedder", Dimensions, 0, new float[Dimensions * Dimensions]);

        var error = Assert.Throws<EmbeddingAdapterMismatchException>(() => domain.CreateEmbedder("another-model").AsBuilder().UseEmbeddingAdapter(adapter).Build());

        Assert.Contains("'synthetic-embedder'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'another-model'", error.Message, StringComparison.Ordinal);
        Assert.Equal("another-model", error.EmbedderModelId);
        Assert.Equal(Dimensions, error.AdapterDimensions);
    }

    private static async Task<double> HitAt1Async(VectorStoreRetriever<string, ChunkRecord> retriever, SyntheticDomain domain)
    {
        int hits = 0;
        for (int i = 0; i < domain.Queries.Length; i++)
        {
            IReadOnlyList<RetrievedChunk> top = await retriever.RetrieveAsync(SyntheticDomain.QueryText(i), new RetrievalOptions { Top = 1 });
            hits += top.Count == 1 && top[0].Chunk.Text == SyntheticDomain.PassageText(i) ? 1 : 0;
        }

        return hits / (double)domain.Queries.Length;
    }
}
