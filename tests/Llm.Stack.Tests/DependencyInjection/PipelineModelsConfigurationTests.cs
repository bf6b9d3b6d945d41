using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Tests.DependencyInjection;

/// <summary>
/// <c>LlmStack:Rag:ChatModel</c> and <c>LlmStack:Ingestion:EmbeddingModel</c>: the names they accept (configured or
/// registered in code), the errors for the others, with their key paths, and the RAG window taken from the named model.
/// The calls themselves are tested against real OpenAI-protocol servers in Llm.Stack.OpenAI.Tests.
/// </summary>
public class PipelineModelsConfigurationTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    private static readonly (string, string?)[] Models =
    [
        ("LlmStack:Chat:Provider", "test"),
        ("LlmStack:Chat:Model", "default-model"),
        ("LlmStack:Chat:ContextWindow", "9000"),
        ("LlmStack:Chat:MaxOutputTokens", "900"),
        ("LlmStack:ChatModels:big:Provider", "test"),
        ("LlmStack:ChatModels:big:Model", "big-model"),
        ("LlmStack:ChatModels:big:ContextWindow", "3000"),
        ("LlmStack:ChatModels:fast:Provider", "test"),
        ("LlmStack:ChatModels:fast:Model", "fast-model"),
        ("LlmStack:Embeddings:Provider", "test"),
        ("LlmStack:EmbeddingModels:docs:Provider", "test"),
        ("LlmStack:EmbeddingModels:docs:Model", "docs-embed"),
    ];

    private static ServiceProvider Build(IConfiguration configuration, Action<LlmStackBuilder>? more = null)
    {
        var services = new ServiceCollection();
        LlmStackBuilder stack = services.AddLlmStack(configuration)
            .AddChatProvider("test", context => new TestChatClient { Name = context.Configuration["Model"] ?? "?" })
            .AddEmbeddingProvider("test", context => new TestEmbeddingGenerator(context.Configuration["Model"] == "docs-embed" ? 3 : 5))
            .AddRetriever(_ => new Rag.FixedRetriever(new RetrievedChunk(new DocumentChunk("a.md", 0, "Hekla is in Iceland."), 1)))
            .AddRag()
            .AddIngestion();
        more?.Invoke(stack);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Rag_ChatModel_points_the_pipeline_at_the_named_model_and_its_window()
    {
        using ServiceProvider provider = Build(Config([.. Models, ("LlmStack:Rag:ChatModel", "big")]));

        RagAnswer answer = await provider.GetRequiredService<RagPipeline>().AskAsync("Where is Hekla?");
        RagOptions defaults = provider.GetRequiredService<IOptions<RagOptions>>().Value;

        Assert.StartsWith("big-model: ", answer.Text, StringComparison.Ordinal);
        // ContextWindow from the named model; MaxOutputTokens unset there: RagOptions' default, not LlmStack:Chat's.
        Assert.Equal((3000, new RagOptions().MaxAnswerTokens), (defaults.ContextWindowTokens, defaults.MaxAnswerTokens));
    }

    [Fact]
    public async Task Without_the_keys_the_pipelines_use_the_default_models()
    {
        using ServiceProvider provider = Build(Config(Models));

        RagAnswer answer = await provider.GetRequiredService<RagPipeline>().AskAsync("Where is Hekla?");
        RagOptions defaults = provider.GetRequiredService<IOptions<RagOptions>>().Value;
        ChunkRecord record = await IngestOneAsync(provider.GetRequiredService<IngestionPipeline>(), dimensions: 5);

        Assert.StartsWith("default-model: ", answer.Text, StringComparison.Ordinal);
        Assert.Equal((9000, 900), (defaults.ContextWindowTokens, defaults.MaxAnswerTokens));
        Assert.Equal((await new TestEmbeddingGenerator(5).GenerateAsync([record.Text]))[0].Vector.ToArray(), record.Embedding.ToArray());
    }

    [Fact]
    public async Task Ingestion_EmbeddingModel_points_ingestion_and_the_configured_chunker_at_the_named_model()
    {
        using ServiceProvider provider = Build(Config([.. Models, ("LlmStack:Ingestion:EmbeddingModel", "DOCS"), ("LlmStack:Chunking:Chunker", "Semantic")]));

        IngestionPipeline ingestion = provider.GetRequiredService<IngestionPipeline>();
        ChunkRecord record = await IngestOneAsync(ingestion, dimensions: 3);

        Assert.Equal((await new TestEmbeddingGenerator(3).GenerateAsync([record.Text]))[0].Vector.ToArray(), record.Embedding.ToArray());
        Assert.IsType<SemanticChunker>(ingestion.Chunker); // which embeds its sentences with the named model too: the default's 5 dimensions would not compare with 3
    }

    /// <summary>Ingests one short document into a real in-memory collection of <paramref name="dimensions"/> and returns its chunk.</summary>
    private static async Task<ChunkRecord> IngestOneAsync(IngestionPipeline pipeline, int dimensions)
    {
        var collection = new Llm.Stack.VectorIndex.InMemoryVectorStore().GetCollection<string, ChunkRecord>("docs", ChunkRecord.CreateDefinition(dimensions));
        IngestionResult result = Assert.Single(await pipeline.IngestAsync(new[] { new Document("a.md", "Hekla is a volcano in Iceland.") }.ToAsyncEnumerable(), collection).ToListAsync());
        Assert.True(result.Status == IngestionStatus.Added, result.ToString());
        return Assert.Single(await collection.GetAsync(r => r.DocumentId == "a.md", 10, new Microsoft.Extensions.VectorData.FilteredRecordRetrievalOptions<ChunkRecord> { IncludeVectors = true }).ToListAsync());
    }

    [Fact]
    public async Task A_keyed_model_registered_in_code_can_be_named_too()
    {
        using ServiceProvider provider = Build(
            Config([.. Models, ("LlmStack:Rag:ChatModel", "coded")]),
            stack => stack.Services.AddKeyedChatClient("coded", new TestChatClient { Name = "coded-model" }));

        RagAnswer answer = await provider.GetRequiredService<RagPipeline>().AskAsync("Where is Hekla?");
        RagOptions defaults = provider.GetRequiredService<IOptions<RagOptions>>().Value;

        Assert.StartsWith("coded-model: ", answer.Text, StringComparison.Ordinal);
        // Configuration does not describe that model: LlmStack:Chat's window is not applied to it.
        Assert.Equal(new RagOptions().ContextWindowTokens, defaults.ContextWindowTokens);
    }

    [Fact]
    public void An_unknown_model_name_fails_naming_the_key_the_closest_name_and_the_configured_ones()
    {
        using ServiceProvider provider = Build(Config([.. Models, ("LlmStack:Rag:ChatModel", "bgi"), ("LlmStack:Ingestion:EmbeddingModel", "nowhere")]));

        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<RagPipeline>());
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IngestionPipeline>());

        Assert.Equal(
            [
                "LlmStack:Rag:ChatModel is 'bgi', but no chat model has that name. Did you mean 'big'? Configure it under LlmStack:ChatModels:bgi, or register it in code with AddKeyedChatClient(\"bgi\", ...); the configured chat models are: big, fast.",
                "LlmStack:Ingestion:EmbeddingModel is 'nowhere', but no embedding model has that name. Configure it under LlmStack:EmbeddingModels:nowhere, or register it in code with AddKeyedEmbeddingGenerator(\"nowhere\", ...); the configured embedding models are: docs.",
            ],
            e.Failures);
    }

    [Fact]
    public void A_misspelt_key_or_a_blank_name_fails_in_AddLlmStack()
    {
        OptionsValidationException misspelt = Assert.Throws<OptionsValidationException>(() =>
            new ServiceCollection().AddLlmStack(Config([.. Models, ("LlmStack:Rag:ChatModle", "big")])));
        OptionsValidationException blank = Assert.Throws<OptionsValidationException>(() =>
            new ServiceCollection().AddLlmStack(Config([.. Models, ("LlmStack:Ingestion:EmbeddingModel", " docs")])));

        Assert.StartsWith("LlmStack:Rag:ChatModle is not a known key. Did you mean LlmStack:Rag:ChatModel?", Assert.Single(misspelt.Failures), StringComparison.Ordinal);
        Assert.Equal("LlmStack:Ingestion:EmbeddingModel is ' docs', which is not a model name: a name must not be blank or start or end with white space.", Assert.Single(blank.Failures));
    }
}
