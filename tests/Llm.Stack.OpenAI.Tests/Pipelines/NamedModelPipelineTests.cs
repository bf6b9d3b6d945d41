using System.Text.Json.Nodes;
using Llm.Stack.TestUtilities;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.OpenAI.Tests.Pipelines;

/// <summary>
/// <c>LlmStack:Rag:ChatModel</c> and <c>LlmStack:Ingestion:EmbeddingModel</c> point the RAG and ingestion pipelines at named
/// models of configuration. Two OpenAI-protocol servers on 127.0.0.1 stand for the default models and the named ones, called
/// through the official OpenAI client: every request must reach the named model's server, with its model id, and the RAG
/// pipeline must size its prompt and answer by the named model's <c>ContextWindow</c> and <c>MaxOutputTokens</c>.
/// </summary>
public sealed class NamedModelPipelineTests : IDisposable
{
    private readonly OpenAIProtocolServer _default = new();
    private readonly OpenAIProtocolServer _named = new();

    public void Dispose()
    {
        _default.Dispose();
        _named.Dispose();
    }

    private IConfiguration Configuration(params (string Key, string Value)[] more) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:Chat:Provider"] = "openai",
            ["LlmStack:Chat:Endpoint"] = _default.Endpoint.ToString(),
            ["LlmStack:Chat:Model"] = "default-chat",
            ["LlmStack:Chat:MaxOutputTokens"] = "500",
            ["LlmStack:ChatModels:big:Provider"] = "openai",
            ["LlmStack:ChatModels:big:Endpoint"] = _named.Endpoint.ToString(),
            ["LlmStack:ChatModels:big:Model"] = "big-chat",
            ["LlmStack:ChatModels:big:ContextWindow"] = "3000",
            ["LlmStack:ChatModels:big:MaxOutputTokens"] = "77",
            ["LlmStack:Embeddings:Provider"] = "openai",
            ["LlmStack:Embeddings:Endpoint"] = _default.Endpoint.ToString(),
            ["LlmStack:Embeddings:Model"] = "default-embed",
            ["LlmStack:EmbeddingModels:docs:Provider"] = "openai",
            ["LlmStack:EmbeddingModels:docs:Endpoint"] = _named.Endpoint.ToString(),
            ["LlmStack:EmbeddingModels:docs:Model"] = "docs-embed",
            ["LlmStack:Rag:ChatModel"] = "BIG", // names compare without regard to case, as the model sections do
            ["LlmStack:Ingestion:EmbeddingModel"] = "docs",
        }.Concat(more.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))).Build();

    private static readonly RetrievedChunk Source = new(new DocumentChunk("iceland.md", 0, "Eyjafjallajokull in Iceland erupted in 2010 and closed the airspace of Europe."), 1.0);

    [Fact]
    public async Task Rag_answers_with_the_named_chat_model_within_its_window_and_answer_length()
    {
        var services = new ServiceCollection();
        IConfiguration configuration = Configuration();
        IRetriever retriever = new FixedRetriever(Source);
        // README: RAG and ingestion on named models
        // the configuration above: "Rag": { "ChatModel": … }, "Ingestion": { "EmbeddingModel": … }
        services.AddLlmStack(configuration)
            .AddOpenAIProvider()
            .AddRetriever(sp => retriever)
            .AddRag()        // answers with the named chat model
            .AddIngestion(); // embeds with the named embedding model
        // README: end
        await using ServiceProvider provider = services.BuildServiceProvider();
        RagPipeline rag = provider.GetRequiredService<RagPipeline>();
        _named.Replies.Enqueue("Eyjafjallajokull erupted in 2010 [1].");
        _named.Replies.Enqueue("Eyjafjallajokull [1].");

        RagAnswer answer = await rag.AskAsync("Which volcano in Iceland erupted in 2010?");
        var streamed = new System.Text.StringBuilder();
        await foreach (RagAnswerUpdate update in rag.AskStreamingAsync("Which volcano in Iceland erupted in 2010?"))
        {
            streamed.Append(update.Text);
        }

        Assert.False(answer.IsExtractive);
        Assert.Equal("Eyjafjallajokull erupted in 2010 [1].", answer.Text);
        Assert.Equal("iceland.md", Assert.Single(answer.Citations).Chunk.DocumentId);
        Assert.Equal("Eyjafjallajokull [1].", streamed.ToString());
        Assert.Empty(_default.Requests);
        Assert.Equal(2, _named.Requests.Count);
        Assert.All(_named.Requests, r =>
        {
            Assert.EndsWith("/chat/completions", r.Path, StringComparison.Ordinal);
            Assert.Equal("big-chat", r.Body["model"]!.GetValue<string>());
            Assert.Equal(77, (r.Body["max_completion_tokens"] ?? r.Body["max_tokens"])!.GetValue<int>());
        });
        RagOptions defaults = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RagOptions>>().Value;
        Assert.Equal((3000, 77), (defaults.ContextWindowTokens, defaults.MaxAnswerTokens));
    }

    [Fact]
    public async Task Ingestion_embeds_with_the_named_embedding_model()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Configuration(("LlmStack:Chunking:Chunker", "Sentence"), ("LlmStack:Chunking:MaxTokens", "16")))
            .AddOpenAIProvider()
            .AddIngestion();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IngestionPipeline pipeline = provider.GetRequiredService<IngestionPipeline>();
        VectorStoreCollection<string, ChunkRecord> collection = new InMemoryVectorStore().GetCollection<string, ChunkRecord>("docs", ChunkRecord.CreateDefinition(3));
        Document[] documents =
        [
            new("iceland.md", "Eyjafjallajokull erupted in 2010. Its ash closed the airspace of Europe for days. Flights resumed in May."),
            new("italy.md", "Vesuvius buried Pompeii in the year 79. It last erupted in 1944."),
        ];

        List<IngestionResult> results = await pipeline.IngestAsync(documents.ToAsyncEnumerable(), collection).ToListAsync();

        Assert.All(results, r => Assert.Equal(IngestionStatus.Added, r.Status));
        List<ChunkRecord> records = await collection.GetAsync(r => r.DocumentId != "", 100, new FilteredRecordRetrievalOptions<ChunkRecord> { IncludeVectors = true }).ToListAsync();
        Assert.True(records.Count >= 3, $"the sentence chunker of 16 tokens should split the documents, but gave {records.Count} chunks");
        Assert.Equal(results.Sum(r => r.ChunkCount), records.Count);
        Assert.All(records, r => Assert.Equal([r.Text.Length, r.Text.Count("aeiou".Contains), 1f], r.Embedding.ToArray()));
        Assert.Empty(_default.Requests);
        Assert.NotEmpty(_named.Requests);
        Assert.All(_named.Requests, r =>
        {
            Assert.EndsWith("/embeddings", r.Path, StringComparison.Ordinal);
            Assert.Equal("docs-embed", r.Body["model"]!.GetValue<string>());
        });
        int embedded = _named.Requests.Sum(r => r.Body["input"] is JsonArray inputs ? inputs.Count : 1);
        Assert.Equal(records.Count, embedded);
    }

    /// <summary>A retriever that always returns the same sources.</summary>
    private sealed class FixedRetriever(params RetrievedChunk[] chunks) : IRetriever
    {
        public Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<RetrievedChunk>>(chunks);
    }
}
