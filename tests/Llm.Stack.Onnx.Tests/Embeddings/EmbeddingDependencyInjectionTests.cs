using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Onnx.Tests.Embeddings;

[Collection(MiniLmTestGroup.Name)]
public sealed class EmbeddingDependencyInjectionTests(MiniLmFixture fixture)
{
    [Fact]
    public async Task AddMiniLmEmbeddingGenerator_makes_the_built_in_model_the_stacks_embedder()
    {
        var services = new ServiceCollection();
        new LlmStackBuilder(services).AddMiniLmEmbeddingGenerator(o => o.BatchSize = 8);
        await using ServiceProvider provider = services.BuildServiceProvider();

        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(["The weather is lovely today."]);
        GeneratedEmbeddings<Embedding<float>> expected = await fixture.Generator.GenerateAsync(["The weather is lovely today."]);

        Assert.Same(generator, provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
        Assert.Equal(254, generator.GetService<EmbeddingInputLimits>()!.MaxInputTokens);
        Assert.Equal(expected[0].Vector.ToArray(), embeddings[0].Vector.ToArray());
    }

    [Fact]
    public async Task AddOnnxEmbeddingGenerator_loads_a_model_folder_with_the_configured_options()
    {
        var services = new ServiceCollection();
        new LlmStackBuilder(services).AddOnnxEmbeddingGenerator(fixture.Folder, o => o.MaxTokens = 128);
        await using ServiceProvider provider = services.BuildServiceProvider();

        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        Assert.Equal(126, generator.GetService<EmbeddingInputLimits>()!.MaxInputTokens);
        Assert.Equal(384, generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }

    [Fact]
    public void Registration_arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>("builder", () => ((LlmStackBuilder)null!).AddMiniLmEmbeddingGenerator());
        Assert.Throws<ArgumentException>("modelPath", () => new LlmStackBuilder(new ServiceCollection()).AddOnnxEmbeddingGenerator(" "));
    }

    [Fact]
    public void Asking_for_cuda_without_a_gpu_native_package_fails_naming_the_package()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => MiniLmEmbeddingGenerator.Create(o => { o.ExecutionProvider = OnnxExecutionProvider.Cuda; o.DeviceId = 1; }));

        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", error.Message, StringComparison.Ordinal);
    }
}
