using System.Numerics.Tensors;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Onnx.Tests.Embeddings;

[Collection(MiniLmTestGroup.Name)]
public sealed class MiniLmEmbeddingTests(MiniLmFixture fixture)
{
    private static readonly string[] Published = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];

    private OnnxEmbeddingGenerator Generator => fixture.Generator;

    [Fact]
    public async Task Published_similarity_matrix_of_all_MiniLM_L6_v2_is_reproduced()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await Generator.GenerateAsync(Published);

        Assert.Equal(3, embeddings.Count);
        Assert.Equal(0.6660, Cosine(embeddings[0], embeddings[1]), 1e-3);
        Assert.Equal(0.1046, Cosine(embeddings[0], embeddings[2]), 1e-3);
        Assert.Equal(0.1411, Cosine(embeddings[1], embeddings[2]), 1e-3);
    }

    [Fact]
    public async Task Embeddings_have_384_dimensions_and_unit_length()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await Generator.GenerateAsync([.. Published, "", "a", new string('x', 3000)]);

        foreach (Embedding<float> embedding in embeddings)
        {
            Assert.Equal(384, embedding.Vector.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(embedding.Vector.Span), 1e-5);
            Assert.Equal(MiniLmEmbeddingGenerator.ModelId, embedding.ModelId);
        }
    }

    [Fact]
    public async Task Batched_results_equal_single_results()
    {
        string[] inputs =
        [
            "short",
            "A considerably longer sentence, so that the batch pads the shorter inputs with many [PAD] tokens.",
            "Ünïcödé àccents, emoji 🙂 and 中文字符 together.",
            "",
            "tabs\tand\nnewlines",
            string.Join(' ', Enumerable.Repeat("long", 400)),
        ];

        GeneratedEmbeddings<Embedding<float>> batched = await Generator.GenerateAsync(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            GeneratedEmbeddings<Embedding<float>> single = await Generator.GenerateAsync([inputs[i]]);
            float[] a = batched[i].Vector.ToArray();
            float[] b = single[0].Vector.ToArray();
            for (int d = 0; d < a.Length; d++)
            {
                Assert.Equal(b[d], a[d], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task Batch_size_does_not_change_results()
    {
        using OnnxEmbeddingGenerator byTwo = new(fixture.Folder, new OnnxEmbeddingGeneratorOptions { BatchSize = 2, MaxTokens = 256 });
        string[] inputs = [.. Published, "one more", "and the fifth input, which is longer than the others by a fair margin"];

        GeneratedEmbeddings<Embedding<float>> expected = await Generator.GenerateAsync(inputs);
        GeneratedEmbeddings<Embedding<float>> actual = await byTwo.GenerateAsync(inputs);

        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.True(Cosine(expected[i], actual[i]) > 1 - 1e-6, $"input {i}");
        }
    }

    [Fact]
    public async Task Input_longer_than_256_tokens_is_truncated_to_the_first_254_content_tokens()
    {
        string head = string.Join(' ', Enumerable.Range(0, 254).Select(i => "word"));
        string longer = head + " " + string.Join(' ', Enumerable.Range(0, 300).Select(i => "different"));
        string other = head + " " + string.Join(' ', Enumerable.Range(0, 300).Select(i => "unrelated"));

        GeneratedEmbeddings<Embedding<float>> embeddings = await Generator.GenerateAsync([head, longer, other]);

        Assert.Equal(1.0, Cosine(embeddings[0], embeddings[1]), 1e-5);
        Assert.Equal(1.0, Cosine(embeddings[0], embeddings[2]), 1e-5);
        Assert.Equal(256L * 3, embeddings.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Input_just_under_the_limit_is_not_truncated()
    {
        string head = string.Join(' ', Enumerable.Range(0, 253).Select(i => "word"));
        GeneratedEmbeddings<Embedding<float>> embeddings = await Generator.GenerateAsync([head, head + " different"]);

        Assert.True(Cosine(embeddings[0], embeddings[1]) < 1 - 1e-4);
    }

    [Fact]
    public async Task Empty_input_list_gives_no_embeddings()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await Generator.GenerateAsync([]);

        Assert.Empty(embeddings);
    }

    [Fact]
    public async Task Empty_and_whitespace_strings_embed_as_the_empty_sequence()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await Generator.GenerateAsync(["", "   \t\n"]);

        Assert.Equal(1.0, Cosine(embeddings[0], embeddings[1]), 1e-6);
        Assert.Equal(1.0, TensorPrimitives.Norm(embeddings[0].Vector.Span), 1e-5);
    }

    [Fact]
    public async Task Null_string_is_rejected_naming_its_index()
    {
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => Generator.GenerateAsync(["fine", null!]));

        Assert.Equal("values", error.ParamName);
        Assert.Contains("index 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_values_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentNullException>("values", () => Generator.GenerateAsync(null!));
    }

    [Fact]
    public async Task Canceled_token_stops_before_any_batch()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Generator.GenerateAsync(Published, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task Cancellation_during_a_call_stops_between_batches()
    {
        using OnnxEmbeddingGenerator byOne = new(fixture.Folder, new OnnxEmbeddingGeneratorOptions { BatchSize = 1 });
        using var cts = new CancellationTokenSource();
        string[] inputs = [.. Enumerable.Range(0, 200).Select(i => $"sentence number {i} about the weather")];
        var started = new ManualResetEventSlim();
        Task<GeneratedEmbeddings<Embedding<float>>> run = Task.Run(() =>
        {
            started.Set();
            return byOne.GenerateAsync(inputs, cancellationToken: cts.Token);
        });
        started.Wait();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task Concurrent_calls_give_the_same_results_as_sequential_ones()
    {
        string[][] requests = [.. Enumerable.Range(0, 8).Select(i => new[] { $"request {i}", Published[i % 3], $"{i} {new string('z', i * 10)}" })];
        var expected = new List<GeneratedEmbeddings<Embedding<float>>>();
        foreach (string[] request in requests)
        {
            expected.Add(await Generator.GenerateAsync(request));
        }

        GeneratedEmbeddings<Embedding<float>>[] actual = await Task.WhenAll(requests.Select(r => Task.Run(() => Generator.GenerateAsync(r))));

        for (int r = 0; r < requests.Length; r++)
        {
            for (int i = 0; i < requests[r].Length; i++)
            {
                Assert.Equal(expected[r][i].Vector.ToArray(), actual[r][i].Vector.ToArray());
            }
        }
    }

    [Fact]
    public void Metadata_names_provider_model_and_dimensions()
    {
        var metadata = Generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("onnxruntime", metadata.ProviderName);
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
        Assert.Equal(384, Generator.Dimensions);
        Assert.Equal(256, Generator.MaxTokens);
    }

    [Fact]
    public void Input_limits_count_content_tokens_with_the_models_own_tokenizer()
    {
        var limits = Generator.GetService<EmbeddingInputLimits>();

        Assert.NotNull(limits);
        Assert.Equal(254, limits.MaxInputTokens);
        Assert.Equal(6, limits.Tokenizer.CountTokens("The weather is lovely today.")); // the weather is lovely today .
        Assert.Same(limits.Tokenizer, Generator.GetService<Tokenizer>());
        Assert.Null(Generator.GetService<EmbeddingInputLimits>("some key"));
    }

    [Fact]
    public async Task Folder_model_with_vocab_txt_reads_its_settings_and_gives_the_same_embeddings()
    {
        using OnnxEmbeddingGenerator fromFolder = new(fixture.Folder, new OnnxEmbeddingGeneratorOptions { MaxTokens = 256 });
        GeneratedEmbeddings<Embedding<float>> expected = await Generator.GenerateAsync(Published);
        GeneratedEmbeddings<Embedding<float>> actual = await fromFolder.GenerateAsync(Published);

        for (int i = 0; i < Published.Length; i++)
        {
            Assert.Equal(expected[i].Vector.ToArray(), actual[i].Vector.ToArray());
        }

        Assert.Equal(Path.GetFileName(fixture.Folder), fromFolder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
    }

    [Fact]
    public void Folder_without_a_tokenizer_is_rejected_with_the_file_it_looked_for()
    {
        string folder = Directory.CreateTempSubdirectory("llmstack-no-vocab").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "model.onnx"), [1, 2, 3]);
            FileNotFoundException error = Assert.Throws<FileNotFoundException>(() => new OnnxEmbeddingGenerator(folder));
            Assert.Contains("vocab.txt", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Cls_pooling_without_normalisation_gives_a_different_vector_that_is_not_unit_length()
    {
        using OnnxEmbeddingGenerator cls = new(fixture.Folder, new OnnxEmbeddingGeneratorOptions { Pooling = EmbeddingPooling.Cls, Normalize = false });
        GeneratedEmbeddings<Embedding<float>> raw = await cls.GenerateAsync([Published[0]]);
        GeneratedEmbeddings<Embedding<float>> mean = await Generator.GenerateAsync([Published[0]]);

        Assert.NotEqual(1.0, TensorPrimitives.Norm(raw[0].Vector.Span), 1e-3);
        Assert.True(Cosine(raw[0], mean[0]) < 0.999);
    }

    [Fact]
    public async Task Disposed_generator_throws()
    {
        OnnxEmbeddingGenerator generator = new(fixture.Folder);
        generator.Dispose();
        generator.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["x"]));
    }

    [Fact]
    public async Task Asking_for_other_dimensions_is_not_supported()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() => Generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 128 }));
        Assert.Single(await Generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 384 }));
    }

    private static double Cosine(Embedding<float> a, Embedding<float> b)
        => TensorPrimitives.CosineSimilarity(a.Vector.Span, b.Vector.Span);
}
