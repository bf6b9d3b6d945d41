using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Llm.Stack.Tests.Ingestion.IngestionTestKit;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>builder.AddIngestion(...) and the chunker registrations.</summary>
public sealed class IngestionRegistrationTests
{
    [Fact]
    public async Task AddIngestionWiresTheStacksEmbedderChunkerReadersAndOptions()
    {
        var generator = new HashEmbeddingGenerator();
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack
            .AddIngestion(o => o.EmbeddingBatchSize = 2)
            .AddDocumentReaders()
            .AddSentenceChunker(o => o.MaxTokens = 16)
            .AddEmbeddingGenerator(_ => generator));
        await using ServiceProvider provider = services.BuildServiceProvider();

        IngestionPipeline pipeline = provider.GetRequiredService<IngestionPipeline>();

        Assert.Same(pipeline, provider.GetRequiredService<IngestionPipeline>());
        SentenceChunker chunker = Assert.IsType<SentenceChunker>(pipeline.Chunker);
        Assert.Equal(16, chunker.MaxTokens);
        List<IngestionResult> results = await RunItemsAsync(pipeline, NewCollection(), null,
            new IngestionItem("a.md", _ => Task.FromResult<Stream>(new MemoryStream("# Title\n\nOne sentence here. Another sentence there. A third one to fill the chunk."u8.ToArray()))) { MediaType = "text/markdown" });
        Assert.Equal(IngestionStatus.Added, Assert.Single(results).Status);
        Assert.Equal(2, generator.MaxBatch);
    }

    [Fact]
    public void TheLastChunkerRegisteredWinsAndTheDefaultFollowsTheEmbedderLimits()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack
            .AddTokenChunker()
            .AddStructureChunker(o => o.IncludeHeadingPrefix = true)
            .AddIngestion()
            .AddEmbeddingGenerator(_ => new HashEmbeddingGenerator()));
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.IsType<StructureChunker>(provider.GetRequiredService<IngestionPipeline>().Chunker);
        Assert.Single(provider.GetServices<ITextChunker>());

        var limited = new ServiceCollection();
        limited.AddLlmStack(stack => stack
            .AddIngestion(o => o.MaxChunkTokens = 300)
            .AddEmbeddingGenerator(_ => new HashEmbeddingGenerator { Limits = new EmbeddingInputLimits(ChunkingTokenizers.O200kBase, 254) }));
        using ServiceProvider limitedProvider = limited.BuildServiceProvider();
        RecursiveChunker chunker = Assert.IsType<RecursiveChunker>(limitedProvider.GetRequiredService<IngestionPipeline>().Chunker);
        Assert.Equal(254, chunker.MaxTokens);
        Assert.Same(ChunkingTokenizers.O200kBase, chunker.Tokenizer);
    }

    [Fact]
    public void ResolvingWithoutAnEmbedderSaysWhatIsMissing()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddIngestion().AddSemanticChunker());
        using ServiceProvider provider = services.BuildServiceProvider();

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IngestionPipeline>());

        Assert.Contains(nameof(IEmbeddingGenerator<string, Embedding<float>>), e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => ((LlmStackBuilder)null!).AddIngestion());
    }
}
