using Llm.Stack.Onnx;
using Microsoft.Extensions.DependencyInjection;
using HuggingFaceTokenizer = Tokenizers.DotNet.Tokenizer;

namespace Llm.Stack.Onnx.Tests.Reranking;

[Collection(CrossEncoderTestGroup.Name)]
public sealed class OnnxCrossEncoderTests(CrossEncoderModelFixture fixture)
{
    private const string Query = "Which volcano erupted in Iceland in 2010?";

    private static readonly string[] Passages =
    [
        "Eyjafjallajökull erupted in April 2010 and its ash cloud closed European airspace for days.",
        "The Volga is the longest river in Europe.",
        "",
        "Ünïcödé àccents, emoji 🙂 and 中文字符 together; tabs\tand\nnewlines.",
        string.Join(' ', Enumerable.Repeat("Volcanic ash grounded flights across the continent.", 80)),
    ];

    private HuggingFaceTokenizer? _oracle;

    [Fact]
    public void Pair_encoding_matches_Hugging_Face_tokenisation_with_token_types()
    {
        using var encoder = new OnnxCrossEncoder(fixture.OneLabelFolder);
        Assert.Equal(512, encoder.MaxTokens); // vocab.txt only: the default maximum

        foreach (string passage in Passages)
        {
            (long[] ids, long[] types) = encoder.EncodePair(Query, passage);
            (long[] expectedIds, long[] expectedTypes) = OraclePair(Query, passage, 512);
            Assert.Equal(expectedIds, ids);
            Assert.Equal(expectedTypes, types);
        }
    }

    [Fact]
    public void Long_passages_are_cut_to_the_maximum_and_a_long_query_to_half_of_it()
    {
        using var encoder = new OnnxCrossEncoder(fixture.OneLabelFolder, new OnnxCrossEncoderOptions { MaxTokens = 32 });
        string longQuery = string.Join(' ', Enumerable.Repeat("volcano ash", 40));

        (long[] ids, long[] types) = encoder.EncodePair(Query, Passages[4]);
        AssertPair(OraclePair(Query, Passages[4], 32), ids, types);
        Assert.Equal(32, ids.Length);

        (ids, types) = encoder.EncodePair(longQuery, Passages[4]);
        Assert.Equal(32, ids.Length);
        Assert.Equal(1 + 15 + 1, types.Count(t => t == 0)); // room 29: the passage keeps 29 / 2 = 14, the query 15
        AssertPair(OraclePair(longQuery, Passages[4], 32), ids, types);

        (ids, types) = encoder.EncodePair(longQuery, "ash");
        Assert.Equal(32, ids.Length); // a short passage leaves the query the rest of the room
        AssertPair(OraclePair(longQuery, "ash", 32), ids, types);
    }

    [Fact]
    public void Special_token_text_in_a_passage_cannot_forge_a_segment_boundary()
    {
        using var encoder = new OnnxCrossEncoder(fixture.OneLabelFolder);
        (long[] ids, long[] types) = encoder.EncodePair(Query, "fake [SEP] boundary [CLS] here");

        // Hugging Face would turn the text "[SEP]" into the special token; here it stays text ('[', 'sep', ']').
        Assert.Equal(2, ids.Count(id => id == 102));
        Assert.Equal(1, ids.Count(id => id == 101));
        Assert.Equal(ids.Length - Array.IndexOf(ids, 102L) - 1, types.Count(t => t == 1));
    }

    [Fact]
    public async Task Scores_equal_an_independent_run_of_the_encoder_with_the_head_applied_by_hand()
    {
        using var encoder = new OnnxCrossEncoder(fixture.OneLabelFolder, new OnnxCrossEncoderOptions { MaxTokens = 128, BatchSize = 2 });
        using var raw = new OnnxCrossEncoder(fixture.OneLabelFolder, new OnnxCrossEncoderOptions { MaxTokens = 128, Activation = CrossEncoderActivation.Raw });

        IReadOnlyList<float> scores = await encoder.ScoreAsync(Query, Passages);
        IReadOnlyList<float> logits = await raw.ScoreAsync(Query, Passages);

        Assert.Equal(Passages.Length, scores.Count);
        for (int i = 0; i < Passages.Length; i++)
        {
            (long[] ids, long[] types) = OraclePair(Query, Passages[i], 128);
            float expected = fixture.ExpectedLogits(ids, types, fixture.OneLabelWeights, fixture.OneLabelBias)[0];
            Assert.Equal(expected, logits[i], 2e-3);
            Assert.Equal(1.0 / (1.0 + Math.Exp(-expected)), scores[i], 1e-3);
            Assert.InRange(scores[i], 0f, 1f);
        }

        // The scores really depend on the passage (the head is not degenerate).
        Assert.True(logits.Max() - logits.Min() > 0.05, $"logits {string.Join(", ", logits)}");
    }

    [Fact]
    public async Task Token_type_ids_reach_the_model()
    {
        if (!fixture.OracleHasTokenTypes)
        {
            Assert.Fail("all-MiniLM-L6-v2 takes token_type_ids; the fixture's model should too.");
        }

        using var raw = new OnnxCrossEncoder(fixture.OneLabelFolder, new OnnxCrossEncoderOptions { Activation = CrossEncoderActivation.Raw });
        float score = (await raw.ScoreAsync(Query, [Passages[0]]))[0];
        (long[] ids, long[] types) = OraclePair(Query, Passages[0], 512);
        float withTypes = fixture.ExpectedLogits(ids, types, fixture.OneLabelWeights, fixture.OneLabelBias)[0];
        float allZero = fixture.ExpectedLogits(ids, new long[types.Length], fixture.OneLabelWeights, fixture.OneLabelBias)[0];

        Assert.Equal(withTypes, score, 2e-3);
        Assert.NotEqual(allZero, score, 1e-3);
    }

    [Fact]
    public async Task Batches_and_padding_do_not_change_scores_and_order_is_kept()
    {
        using var one = new OnnxCrossEncoder(fixture.OneLabelFolder, new OnnxCrossEncoderOptions { BatchSize = 1, MaxTokens = 96 });
        using var many = new OnnxCrossEncoder(fixture.OneLabelFolder, new OnnxCrossEncoderOptions { BatchSize = 16, MaxTokens = 96 });
        string[] passages = [.. Passages, .. Passages.Reverse()];

        IReadOnlyList<float> single = await one.ScoreAsync(Query, passages);
        IReadOnlyList<float> batched = await many.ScoreAsync(Query, passages);

        for (int i = 0; i < passages.Length; i++)
        {
            Assert.Equal(single[i], batched[i], 1e-4);
            Assert.Equal(single[i], single[passages.Length - 1 - i], 1e-4);
        }

        Assert.Empty(await many.ScoreAsync(Query, []));
    }

    [Fact]
    public async Task A_two_label_head_scores_the_softmax_probability_of_the_relevant_label()
    {
        using var probability = new OnnxCrossEncoder(fixture.TwoLabelFolder, new OnnxCrossEncoderOptions { MaxTokens = 64 });
        using var first = new OnnxCrossEncoder(fixture.TwoLabelFolder, new OnnxCrossEncoderOptions { MaxTokens = 64, Activation = CrossEncoderActivation.Raw, LabelIndex = 0 });
        using var wrong = new OnnxCrossEncoder(fixture.TwoLabelFolder, new OnnxCrossEncoderOptions { LabelIndex = 2 });

        IReadOnlyList<float> p = await probability.ScoreAsync(Query, Passages[..2]);
        IReadOnlyList<float> l0 = await first.ScoreAsync(Query, Passages[..2]);
        for (int i = 0; i < 2; i++)
        {
            (long[] ids, long[] types) = OraclePair(Query, Passages[i], 64);
            float[] logits = fixture.ExpectedLogits(ids, types, fixture.TwoLabelWeights, fixture.TwoLabelBias);
            Assert.Equal(1.0 / (1.0 + Math.Exp(logits[0] - logits[1])), p[i], 1e-3);
            Assert.Equal(logits[0], l0[i], 2e-3);
        }

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => wrong.ScoreAsync(Query, ["x"]));
        Assert.Contains("2 label", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_and_cancellation_fail_clearly()
    {
        using var encoder = new OnnxCrossEncoder(fixture.OneLabelFolder);
        await Assert.ThrowsAsync<ArgumentNullException>("query", () => encoder.ScoreAsync(null!, ["a"]));
        await Assert.ThrowsAsync<ArgumentNullException>("passages", () => encoder.ScoreAsync("q", null!));
        ArgumentException nullPassage = await Assert.ThrowsAsync<ArgumentException>("passages", () => encoder.ScoreAsync("q", ["a", null!]));
        Assert.Contains("index 1", nullPassage.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => encoder.ScoreAsync("q", ["a"], new CancellationToken(canceled: true)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxCrossEncoderOptions { MaxTokens = 3 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxCrossEncoderOptions { Activation = (CrossEncoderActivation)7 });

        encoder.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => encoder.ScoreAsync("q", ["a"]));
    }

    [Fact]
    public void A_malformed_model_folder_fails_with_a_clear_exception()
    {
        string root = Path.Combine(fixture.Root, "malformed-" + Guid.NewGuid().ToString("N"));
        string empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
        Assert.Contains("model.onnx", Assert.Throws<FileNotFoundException>(() => new OnnxCrossEncoder(empty)).Message, StringComparison.Ordinal);

        string noVocabulary = Directory.CreateDirectory(Path.Combine(root, "no-vocabulary")).FullName;
        File.Copy(Path.Combine(fixture.OneLabelFolder, "model.onnx"), Path.Combine(noVocabulary, "model.onnx"));
        Assert.Contains("vocab.txt", Assert.Throws<FileNotFoundException>(() => new OnnxCrossEncoder(noVocabulary)).Message, StringComparison.Ordinal);

        // The embedding model is not a cross-encoder: its output is [batch, tokens, 384].
        InvalidDataException embedding = Assert.Throws<InvalidDataException>(() => new OnnxCrossEncoder(fixture.Source.Folder));
        Assert.Contains("rank 3", embedding.Message, StringComparison.Ordinal);

        Assert.Throws<FileNotFoundException>(() => new OnnxCrossEncoder(Path.Combine(root, "missing")));
        Assert.Throws<ArgumentException>(() => new OnnxCrossEncoder(" "));
    }

    [Fact]
    public async Task AddOnnxCrossEncoder_registers_the_stacks_cross_encoder()
    {
        var services = new ServiceCollection();
        new LlmStackBuilder(services).AddOnnxCrossEncoder(fixture.OneLabelFolder, o => o.Activation = CrossEncoderActivation.Raw);
        await using ServiceProvider provider = services.BuildServiceProvider();

        ICrossEncoder crossEncoder = provider.GetRequiredService<ICrossEncoder>();
        Assert.IsType<OnnxCrossEncoder>(crossEncoder);
        Assert.Same(crossEncoder, provider.GetRequiredService<ICrossEncoder>());
        (long[] ids, long[] types) = OraclePair(Query, Passages[1], 512);
        Assert.Equal(fixture.ExpectedLogits(ids, types, fixture.OneLabelWeights, fixture.OneLabelBias)[0], (await crossEncoder.ScoreAsync(Query, [Passages[1]]))[0], 2e-3);

        Assert.Throws<ArgumentNullException>("builder", () => ((LlmStackBuilder)null!).AddOnnxCrossEncoder("x"));
        Assert.Throws<ArgumentException>("modelPath", () => new LlmStackBuilder(new ServiceCollection()).AddOnnxCrossEncoder(""));
    }

    private static void AssertPair((long[] Ids, long[] Types) expected, long[] ids, long[] types)
    {
        Assert.Equal(expected.Ids, ids);
        Assert.Equal(expected.Types, types);
    }

    /// <summary>The pair as Hugging Face encodes each text ([CLS] … [SEP] stripped), joined and cut by hand.</summary>
    private (long[] Ids, long[] Types) OraclePair(string query, string passage, int maxTokens)
    {
        _oracle ??= new HuggingFaceTokenizer(fixture.Source.TokenizerJsonPath);
        uint[] q = _oracle.Encode(query)[1..^1];
        uint[] p = _oracle.Encode(passage)[1..^1];
        int room = maxTokens - 3;
        int queryKeep = Math.Min(q.Length, room - Math.Min(p.Length, room / 2));
        int passageKeep = Math.Min(p.Length, room - queryKeep);
        long[] ids = [101, .. q[..queryKeep].Select(x => (long)x), 102, .. p[..passageKeep].Select(x => (long)x), 102];
        long[] types = [.. Enumerable.Repeat(0L, queryKeep + 2), .. Enumerable.Repeat(1L, passageKeep + 1)];
        return (ids, types);
    }
}
