using System.Net;
using System.Numerics.Tensors;
using Llm.Stack.Documents;
using Llm.Stack.Evaluation;
using Llm.Stack.Local;
using Llm.Stack.Onnx;
using Llm.Stack.Server;
using Llm.Stack.TestUtilities;
using Llm.Stack.VectorIndex;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Cli.Tests;

/// <summary>
/// The snippets of the package READMEs (<c>src/*/README.md</c>), each held verbatim between <c>// README: &lt;file&gt;</c>
/// and <c>// README: end</c> (<see cref="ReadmeSnippetsTests"/> checks they match): run where they can run here, and
/// otherwise (a model folder that is not on the machine, files written to the working directory) compiled in
/// <see cref="PackageReadmeCompiledSnippets"/>, or run up to the documented failure.
/// </summary>
// One collection with the other README examples: these capture the process-wide Console.Out while those write to it.
[Collection("Console")]
public class PackageReadmeExamplesTests
{
    private sealed record Block(bool IsHeading, int Level, string Text, int Start, int Length);

    [Fact]
    public void Abstractions_a_reader_gives_each_element_the_path_of_its_headings()
    {
        var myFormat = new
        {
            Blocks = new Block[]
            {
                new(true, 1, "Guide", 0, 5), new(false, 0, "Intro.", 6, 6),
                new(true, 2, "Install", 13, 7), new(false, 0, "Run it.", 21, 7),
                new(true, 1, "Reference", 29, 9), new(false, 0, "Keys.", 39, 5),
            },
        };
        var elements = new List<DocumentElement>();

        // README: src/Llm.Stack.Abstractions/README.md
        var sections = new SectionPathTracker();
        foreach (Block block in myFormat.Blocks)
        {
            IReadOnlyList<string> path = block.IsHeading
                ? sections.Enter(block.Level, block.Text) // the heading's own path: its parents
                : sections.Current;                       // the open headings, outermost first
            elements.Add(new DocumentElement(block.IsHeading ? DocumentElementKind.Heading : DocumentElementKind.Paragraph, block.Start, block.Length)
            {
                HeadingLevel = block.IsHeading ? block.Level : null,
                SectionPath = path,
            });
        }
        // README: end

        Assert.Equal(
            ["", "Guide", "Guide", "Guide/Install", "", "Reference"],
            elements.Select(e => string.Join('/', e.SectionPath)));
    }

    [Fact]
    public void Documents_the_registry_reads_pdf_and_docx()
    {
        var services = new ServiceCollection();

        // README: src/Llm.Stack.Documents/README.md
        services.AddLlmStack(stack => stack
            .AddDocumentReaders()          // core: text, Markdown, HTML, JSON/JSONL, CSV, and the DocumentReaderRegistry
            .AddPdfReader()                // application/pdf
            .AddOfficeDocumentReaders());  // DOCX
        // README: end

        using ServiceProvider provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<DocumentReaderRegistry>();
        Assert.IsType<PdfReader>(registry.GetReader("application/pdf"));
        Assert.IsType<DocxReader>(registry.GetReader("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
        Assert.IsType<MarkdownReader>(registry.GetReader("text/markdown"));
    }

    [Fact]
    public void Evaluation_bleu_gives_sacreBLEUs_figures()
    {
        // README: src/Llm.Stack.Evaluation/README.md
        var bleu = new BleuScorer();                       // 13a tokenizer, exp smoothing: sacreBLEU's defaults
        string[] sys = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
        IReadOnlyList<IReadOnlyList<string>> refs =
        [
            ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],           // reference stream 1
            ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],    // reference stream 2
        ];
        var score = bleu.CorpusScore(sys, refs);
        // BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)

        var sentence = bleu.SentenceScore("The dog bit the man.", ["The dog had bit the man."]); // effective order, as sentence_bleu
        // README: end

        Assert.Equal("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", score.ToString());
        Assert.InRange(sentence.Score, 1.0, 99.0);   // one reference word missing: high, not perfect
    }

    [Fact]
    public void Evaluation_rouge_and_its_bootstrap_interval()
    {
        // README: src/Llm.Stack.Evaluation/README.md
        var rouge = new RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], useStemmer: true);
        var scores = rouge.Score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.");
        double f = scores["rougeL"].FMeasure;

        var aggregator = new BootstrapAggregator(confidenceInterval: 0.95, samples: 1000, seed: 42);
        aggregator.AddScores(scores);
        var interval = aggregator.Aggregate()["rougeL"];  // Low, Mid, High (and Mean), reproducible for a seed
        // README: end

        Assert.Equal(10.0 / 17, f, 1e-9);  // rouge-score's own README example: rougeL F = 0.5882
        Assert.Equal(f, interval.Mid.FMeasure, 1e-9);
        Assert.Equal(f, aggregator.Aggregate()["rougeL"].Low.FMeasure, 1e-9);
    }

    [Fact]
    public async Task Evaluation_rouge_as_an_evaluator()
    {
        ChatMessage[] messages = [new(ChatRole.User, "What is the capital of France?")];
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Paris is the capital of France."));

        // README: src/Llm.Stack.Evaluation/README.md
        var result = await new RougeEvaluator().EvaluateAsync(messages, response,
            additionalContext: [new ReferenceAnswersContext("Paris is the capital of France.")]);
        var rougeL = result.Get<NumericMetric>("ROUGE-L").Value;
        // README: end

        Assert.Equal(1.0, rougeL!.Value, 1e-9);
    }

    [Fact]
    public async Task Evaluation_retrieval_metrics_over_any_retriever()
    {
        IRetriever retriever = Bm25Retriever.FromChunks([
            new DocumentChunk("shakespeare.md", 0, "Hamlet was written by William Shakespeare around 1600."),
            new DocumentChunk("volcanoes.md", 0, "Eyjafjallajokull erupted in 2010."),
        ]);

        // README: src/Llm.Stack.Evaluation/README.md
        var report = await new RetrievalEvaluator(k: 5).EvaluateAsync(retriever,
            [new RetrievalQuery("who wrote Hamlet?", ["shakespeare.md"])]);
        // report.Mean: HitRate, ReciprocalRank (MRR), Precision, Recall, AveragePrecision (MAP), Ndcg
        // README: end

        Assert.Equal(1.0, report.Mean.HitRate);
        Assert.Equal(1.0, report.Mean.ReciprocalRank);
    }

    [Fact]
    public async Task Evaluation_registers_its_evaluators()
    {
        var services = new ServiceCollection();
        IRetriever retriever = Bm25Retriever.FromChunks([new DocumentChunk("a.md", 0, "alpha")]);

        // README: src/Llm.Stack.Evaluation/README.md
        services.AddLlmStack().AddEvaluation(o => { o.UseStemmer = true; o.RetrievalK = 10; });
        // README: end

        await using ServiceProvider provider = services.BuildServiceProvider();
        RetrievalEvaluationReport report = await provider.GetRequiredService<RetrievalEvaluator>().EvaluateAsync(retriever, [new RetrievalQuery("alpha", ["a.md"])]);
        Assert.Equal(10, report.K);
        Assert.Equal(4, provider.GetServices<IEvaluator>().Count());
    }

    [Fact]
    public async Task MiniLM_embeds_without_a_download_and_matches_the_published_model()
    {
        var services = new ServiceCollection();

        // README: src/Llm.Stack.Onnx.MiniLM/README.md
        // dotnet add package Llm.Stack.Onnx.MiniLM
        // dotnet add package Microsoft.ML.OnnxRuntime        (the native ONNX Runtime, CPU)
        services.AddLlmStack().AddMiniLmEmbeddingGenerator();

        // or without DI (load once, share: it is thread-safe)
        using OnnxEmbeddingGenerator generator = MiniLmEmbeddingGenerator.Create();
        var embeddings = await generator.GenerateAsync(["The weather is lovely today.", "It's so sunny outside!"]);
        // README: end

        // The README states this cosine similarity; sentence-transformers gives 0.6660 for the pair.
        Assert.Equal(0.666, TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[1].Vector.Span), 0.001);
        await using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Equal(384, (await provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["x"]))[0].Vector.Length);
    }

    [Fact]
    public async Task Onnx_asking_for_CUDA_from_a_CPU_build_names_the_package_to_add()
    {
        var services = new ServiceCollection();
        LlmStackBuilder builder = services.AddLlmStack();

        // README: src/Llm.Stack.Onnx/README.md
        builder.AddMiniLmEmbeddingGenerator(o => { o.ExecutionProvider = OnnxExecutionProvider.Cuda; o.DeviceId = 0; });
        // README: end

        await using ServiceProvider provider = services.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Onnx_an_embedding_model_folder_that_is_missing_fails_at_construction()
    {
        var services = new ServiceCollection();

        var error = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            // README: src/Llm.Stack.Onnx/README.md
            using var generator = new OnnxEmbeddingGenerator("models/bge-small-en-v1.5", new OnnxEmbeddingGeneratorOptions
            {
                Pooling = EmbeddingPooling.Cls,   // bge uses [CLS]; sentence-transformers models use Mean (the default)
                BatchSize = 32,
            });
            var embeddings = await generator.GenerateAsync(["first text", "second text"]);

            // or in DI
            services.AddLlmStack().AddOnnxEmbeddingGenerator("models/bge-small-en-v1.5", o => o.Pooling = EmbeddingPooling.Cls);
            // README: end
        });

        Assert.Contains("bge-small-en-v1.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Onnx_a_cross_encoder_folder_that_is_missing_fails_at_construction()
    {
        var services = new ServiceCollection();
        IRetriever myRetriever = Bm25Retriever.FromChunks([new DocumentChunk("d", 0, "text")]);
        string[] passages = ["Eyjafjallajokull erupted in 2010."];

        var error = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            // README: src/Llm.Stack.Onnx/README.md
            using var crossEncoder = new OnnxCrossEncoder("models/ms-marco-MiniLM-L-6-v2", new OnnxCrossEncoderOptions
            {
                Activation = CrossEncoderActivation.Sigmoid, // probabilities in [0, 1] (the default); Raw gives the logits
                BatchSize = 16,
            });
            IReadOnlyList<float> scores = await crossEncoder.ScoreAsync("which volcano erupted in 2010?", passages);
            var reranker = new CrossEncoderReranker(crossEncoder);           // in Llm.Stack

            // or in DI: AddRag reranks with the registered ICrossEncoder when no IReranker is registered
            services.AddLlmStack(stack => stack
                .AddOnnxCrossEncoder("models/ms-marco-MiniLM-L-6-v2", o => o.BatchSize = 32)
                .AddRetriever(sp => myRetriever)
                .AddRag(o => { o.Top = 4; o.CandidateCount = 20; }));
            // README: end
        });

        Assert.Contains("ms-marco-MiniLM-L-6-v2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Onnx_chat_with_a_model_folder_that_is_missing_fails_at_construction()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            // README: src/Llm.Stack.Onnx/README.md
            using var onnx = new OnnxChatClient("models/qwen2.5-1.5b-instruct/cpu", new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cpu });
            IChatClient client = new ChatClientBuilder(onnx).UseFunctionInvocation().Build();

            var options = new ChatOptions
            {
                MaxOutputTokens = 256,
                Tools = [AIFunctionFactory.Create((string city) => $"Sunny in {city}", "get_weather", "Gets the weather of a city.")],
            };
            await foreach (var update in client.GetStreamingResponseAsync("What's the weather in Paris?", options))
            {
                Console.Write(update.Text);
            }
            // README: end
        });

        Assert.Contains("qwen2.5-1.5b-instruct", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_chat_on_CUDA_with_a_model_folder_that_is_missing_fails_at_construction()
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            // README: src/Llm.Stack.Onnx/README.md
            var options = new OnnxChatClientOptions { ExecutionProvider = OnnxExecutionProvider.Cuda, DeviceId = 0 };
            options.ProviderOptions["enable_cuda_graph"] = "0"; // passed through to Config.SetProviderOption("cuda", …)
            using var client = new OnnxChatClient("models/phi-4-mini/cuda", options);
            // README: end
        });

        Assert.Contains("phi-4-mini", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAI_configuration_selects_the_openai_provider()
    {
        using var server = new OpenAIProtocolServer();
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([
                new("LlmStack:Chat:Provider", "openai"),
                new("LlmStack:Chat:Endpoint", server.Endpoint.ToString()),
                new("LlmStack:Chat:Model", "qwen2.5-7b")])
            .Build();
        var services = new ServiceCollection();

        // README: src/Llm.Stack.OpenAI/README.md
        // appsettings.json:
        // { "LlmStack": { "Chat": { "Provider": "openai", "Endpoint": "http://localhost:8080/v1", "Model": "qwen2.5-7b" } } }
        services.AddLlmStack(configuration)
                .AddOpenAIProvider();                       // registers the provider name "openai" for chat and embeddings
        await using ServiceProvider provider = services.BuildServiceProvider();

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await chat.GetResponseAsync("Which volcano in Iceland erupted in 2010?");
        // README: end

        Assert.Equal("You asked: Which volcano in Iceland erupted in 2010?", response.Text);
        Assert.Equal("qwen2.5-7b", server.Requests.Single().Body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_with_an_api_key_answers_only_requests_that_carry_it()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Server:ApiKey"] = "secret-key";
        builder.Services.AddLlmStack().AddRetriever(_ => Bm25Retriever.FromChunks([new DocumentChunk("ops.md", 0, "Backups are kept for 30 days.")]));
        using var chatModel = new EchoChatClient();

        // README: src/Llm.Stack.Server/README.md
        builder.Services.AddChatClient(chatModel).UseRetrievalAugmentation();
        WebApplication app = builder.Build();
        app.MapOpenAIEndpoints(settings: new ServerSettings { ApiKey = builder.Configuration["Server:ApiKey"] });
        // README: end

        await using (app)
        {
            await app.StartAsync();
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };

            using HttpResponseMessage anonymous = await http.GetAsync(new Uri("/v1/models", UriKind.Relative));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { { "Authorization", "Bearer secret-key" } } };
            using HttpResponseMessage authorized = await http.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
            Assert.Contains(EchoChatClient.ModelId, await authorized.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await app.StopAsync();
        }
    }

    private sealed class Hotel
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public string Name { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public int Rating { get; set; }

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    [Fact]
    public async Task VectorIndex_is_a_VectorData_store_with_filters()
    {
        var services = new ServiceCollection();
        Hotel[] records =
        [
            new() { Id = "a", Name = "Harbour View", Rating = 5, Embedding = new([1f, 0f]) },
            new() { Id = "b", Name = "Budget Inn", Rating = 2, Embedding = new([1f, 0.1f]) },
            new() { Id = "c", Name = "Hill Lodge", Rating = 4, Embedding = new([0f, 1f]) },
        ];
        ReadOnlyMemory<float> queryVector = new([1f, 0.05f]);
        using var output = new StringWriter();
        TextWriter console = Console.Out;
        Console.SetOut(output);
        try
        {
            // README: src/Llm.Stack.VectorIndex/README.md
            services.AddLlmStack().AddInMemoryVectorStore(o => o.PersistenceDirectory = ".llmstack/index");

            var store = new InMemoryVectorStore();                       // or resolve VectorStore from DI
            var hotels = store.GetCollection<string, Hotel>("hotels");   // attributes or a VectorStoreCollectionDefinition
            await hotels.EnsureCollectionExistsAsync();
            await hotels.UpsertAsync(records);                           // batch, all-or-nothing
            await foreach (var hit in hotels.SearchAsync(queryVector, top: 5, new() { Filter = h => h.Rating >= 4 }))
            {
                Console.WriteLine($"{hit.Record.Name} {hit.Score}");
            }
            // README: end
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.Equal(["Harbour View", "Hill Lodge"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.LastIndexOf(' ')]));
    }

    [Fact]
    public async Task Core_AddLlmStack_returns_a_builder_on_which_chat_middleware_composes()
    {
        var services = new ServiceCollection();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection([new("LlmStack:Rag:Top", "3")]).Build();
        using var myProviderClient = new EchoChatClient();
        services.AddLogging();   // UseLogging takes the app's ILoggerFactory (a host registers one)

        // README: src/Llm.Stack/README.md
        services.AddLlmStack(configuration)              // binds and validates the "LlmStack" section
                .AddChatClient(sp => myProviderClient)   // any IChatClient
                .UseLogging()                            // with the app's ILoggerFactory (a host registers one)
                .UseFunctionInvocation();
        // README: end

        await using ServiceProvider provider = services.BuildServiceProvider();
        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("hello");
        Assert.Equal("You asked: hello", response.Text);
        Assert.NotNull(provider.GetRequiredService<IChatClient>().GetService<FunctionInvokingChatClient>());
    }

    [Fact]
    public async Task Core_guardrails_refuse_an_answer_that_leaks_personal_data()
    {
        using var model = new FixedAnswerChatClient("Write to ann@example.com for the backups [1].");
        IRetriever retriever = Bm25Retriever.FromChunks([new DocumentChunk("ops.md", 0, "Backups are kept for 30 days; ask the operations team.")]);

        // README: src/Llm.Stack/README.md
        IChatClient client = new ChatClientBuilder(model)
            .UseGuardrails(o => { o.OutputPii = GuardrailAction.Block; o.RefusalMessage = "Sorry, I can't share that."; })
            .UseRetrievalAugmentation(new GuardrailRetriever(retriever))
            .Build();
        // README: end

        ChatResponse response = await client.GetResponseAsync("Who do I ask about backups?");
        Assert.Equal("Sorry, I can't share that.", response.Text);
        Assert.DoesNotContain("ann@example.com", response.Text, StringComparison.Ordinal);
        Assert.Contains("Backups are kept for 30 days", model.LastPrompt, StringComparison.Ordinal);
    }

    /// <summary>A chat model that gives one fixed answer and keeps the prompt it was given.</summary>
    private sealed class FixedAnswerChatClient(string answer) : IChatClient
    {
        public string LastPrompt { get; private set; } = "";

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            LastPrompt = string.Join("\n", messages.Select(m => m.Text));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (ChatResponseUpdate update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A chat model that answers by quoting the last message.</summary>
    private sealed class EchoChatClient : IChatClient
    {
        public const string ModelId = "echo-model";

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"You asked: {messages.Last().Text}")));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (ChatResponseUpdate update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("test", defaultModelId: ModelId) : null;

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Package README snippets that are compiled but not run here: they read or write paths relative to the working
/// directory (a test must not) or call a hosted model. The parameters are the variables the README leaves to the reader.
/// </summary>
internal static class PackageReadmeCompiledSnippets
{
    internal static async Task LocalDefaults(IServiceCollection services, IConfiguration configuration)
    {
        // README: src/Llm.Stack.Local/README.md
        services.AddLlmStack(configuration)
                .AddLocalDefaults(".llmstack");   // MiniLM embedder, persisted in-memory index, hybrid retrieval, RAG
        await using ServiceProvider provider = services.BuildServiceProvider();

        var index = provider.GetRequiredService<LocalIndex>();
        var items = new FileSystemDocumentSource(new() { Roots = { "docs" } }).EnumerateItemsAsync();   // a folder's files, hashed
        await foreach (IngestionResult result in index.IngestAsync(provider.GetRequiredService<IngestionPipeline>(), items))
        {
            Console.WriteLine($"{result.DocumentId}: {result.Status}");    // incremental: unchanged documents are skipped
        }
        var answer = await provider.GetRequiredService<RagPipeline>().AskAsync("How long are backups kept?");  // extractive without a chat model
        // README: end
        GC.KeepAlive(answer);
    }

    internal static async Task ReadersAndFileSystemSource(IServiceCollection services, IServiceProvider provider)
    {
        // README: src/Llm.Stack/README.md
        services.AddLlmStack(stack => stack
            .AddDocumentReaders(o => { o.Csv.TextFields.Add("body"); o.Json.IdField = "id"; })
            .AddFileSystemDocumentSource(o => { o.Roots.Add("docs"); o.Include.Add("**/*.md"); o.Exclude.Add("**/drafts/**"); }));

        var source = provider.GetRequiredService<FileSystemDocumentSource>();
        await foreach (SourceFile file in source.EnumerateFilesAsync())   // sorted by relative path, each with its SHA-256
        {
            await foreach (Document doc in source.ReadAsync(file)) { /* chunk, embed, upsert */ }
        }
        // Or let an IngestionPipeline take source.EnumerateItemsAsync(): it skips the files whose content hash it already has.
        // README: end
    }

    internal static async Task RetrievalAugmentedAnswers(
        IServiceCollection services, IServiceProvider provider, VectorStoreCollection<string, ChunkRecord> collection,
        IEmbeddingGenerator<string, Embedding<float>> embedder, IReadOnlyList<DocumentChunk> chunks)
    {
        // README: src/Llm.Stack/README.md
        services.AddLlmStack(stack => stack
            .AddRetriever(sp => new HybridRetriever([
                VectorStoreRetriever.ForChunkRecords(collection, embedder),   // any MEVD collection
                Bm25Retriever.FromChunks(chunks)]))                            // keyword search
            .AddRag(o => { o.Top = 5; o.ContextWindowTokens = 8192; }));

        RagPipeline rag = provider.GetRequiredService<RagPipeline>();
        await foreach (RagAnswerUpdate u in rag.AskStreamingAsync("Which volcano erupted in 2010?"))
        {
            Console.Write(u.Text);                        // answer text, streamed; unknown [n] markers removed
            if (u.Answer is { } a) { /* a.Citations: marker, chunk id, document, source, page, section, score, quote */ }
        }
        // README: end
    }

    internal static void KeywordIndex()
    {
        // README: src/Llm.Stack.VectorIndex/README.md
        var index = new Bm25Index<string>();                  // or new Bm25Index<Guid>(new Bm25Options { K1 = 1.5 })
        index.Upsert("doc-1", "Reset your password from the account settings page.");
        index.Upsert("doc-2", "Passwords must have at least twelve characters.");
        index.Upsert("doc-1", "Reset a forgotten password with the link we e-mail you.");   // replaces doc-1

        IReadOnlyList<KeywordMatch<string>> hits = index.Search("forgot password", top: 5);
        IReadOnlyList<KeywordMatch<string>> mine = index.Search("password", top: 5, filter: key => key.StartsWith("doc-", StringComparison.Ordinal));

        using (var file = File.Create("keywords.bm25")) { index.Save(file); }
        using (var file = File.OpenRead("keywords.bm25")) { index = Bm25Index<string>.Load(file); }

        // Hybrid: fuse the keyword ranking with a vector ranking by reciprocal rank (k = 60) ...
        IReadOnlyList<string> vectorKeys = ["doc-2", "doc-1"];
        var fused = RankFusion.ReciprocalRank([vectorKeys, hits.Select(h => h.Key).ToList()], top: 10);
        // ... or by relative score (per-list min-max normalisation, weighted sum; alpha = 0.7 for the vector side).
        var blended = RankFusion.RelativeScore<string>(
            [[("doc-2", 0.83), ("doc-1", 0.80)], [.. hits.Select(h => (h.Key, h.Score))]],
            weights: [0.7, 0.3]);
        // README: end
    }

    internal static async Task ModelComparison(IChatClient openAiClient, IChatClient onnxClient)
    {
        // README: src/Llm.Stack.Evaluation/README.md
        var report = await ModelComparisonHarness.RunJsonlAsync("dataset.jsonl",
            [new ModelCandidate("gpt-4o-mini", openAiClient, InputPricePerMillionTokens: 0.15m, OutputPricePerMillionTokens: 0.6m),
             new ModelCandidate("local-phi", onnxClient)],
            outputDirectory: "eval-out");
        // README: end
        GC.KeepAlive(report);
    }

    internal static async Task FineTuningDataset()
    {
        // README: src/Llm.Stack.Evaluation/README.md
        var builder = new FineTuningDatasetBuilder(TiktokenTokenizer.CreateForModel("gpt-4o"),
            new FineTuningDatasetOptions { ValidationFraction = 0.1, Seed = 1, MinimumExamples = 100, MaxTokensPerExample = 16385 });
        builder.Add(FineTuningExample.FromPrompt("question", "answer", system: "You are ..."));
        var dataset = builder.Build();                 // throws FineTuningDatasetException listing every problem
        await dataset.WriteAsync("ft-out");            // train.jsonl, validation.jsonl (OpenAI chat format)
        // README: end
    }
}
