using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Llm.Stack.Onnx;
using Llm.Stack.TestUtilities;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.OpenAI.Tests.Caching;

/// <summary>
/// <c>UseSemanticCache(...)</c> over a named model of configuration (provider <c>openai</c>, the official client) against
/// a Kestrel server on 127.0.0.1 that speaks the OpenAI protocol, with the real MiniLM embedder and the in-memory vector
/// store: hits exactly at the threshold the embeddings' own cosine similarity gives (the server is not called, the ledger
/// charges nothing), misses across tenants, models, conversations and options and after the time to live, streamed
/// answers cached and served streamed, and the calls and answers that are never cached.
/// </summary>
public sealed class SemanticCacheTests : IAsyncLifetime
{
    private const string Question = "Which volcano in Iceland erupted in 2010?";
    private const string Paraphrase = "Which Icelandic volcano erupted in 2010?";

    private static readonly Lazy<OnnxEmbeddingGenerator> Embedder = new(() => MiniLmEmbeddingGenerator.Create());

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private FaultInjectingOpenAIServer _server = null!;
    private ServiceProvider _provider = null!;

    public async Task InitializeAsync()
    {
        _server = await FaultInjectingOpenAIServer.StartAsync();
        _server.PromptTokens = 10;
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:primary:Provider"] = "openai",
            ["LlmStack:ChatModels:primary:Endpoint"] = _server.Endpoint.ToString(),
            ["LlmStack:ChatModels:primary:Model"] = "primary-model",
            ["LlmStack:ChatModels:primary:InputPricePerMillionTokens"] = "1000000",
            ["LlmStack:ChatModels:primary:OutputPricePerMillionTokens"] = "1000000",
            ["LlmStack:ChatModels:primary:Resilience:MaxRetries"] = "0",
            // A stream that ends without its finish reaches the cache as it is, rather than as an IncompleteChatStreamException.
            ["LlmStack:ChatModels:primary:Resilience:RequireFinishReason"] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider().AddUsageLedger();
        _provider = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>The named model (with its ledger layer) under a semantic cache of its own, on the test's clock and MiniLM.</summary>
    private IChatClient Cached(Action<SemanticCacheOptions>? configure = null) =>
        new ChatClientBuilder(_provider.GetRequiredKeyedService<IChatClient>("primary")).UseSemanticCache(o =>
        {
            o.EmbeddingGenerator = Embedder.Value;
            o.TimeProvider = _clock;
            configure?.Invoke(o);
        }).Build(_provider);

    private int Calls => _server.Requests.Count;

    private UsageTotals Spent => _provider.GetRequiredService<UsageLedger>().GetTotals();

    private static double? Similarity(ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue(SemanticCacheChatClientBuilderExtensions.CacheHitKey, out object? value) == true ? (double)value! : null;

    private static async Task<double> CosineAsync(string a, string b)
    {
        GeneratedEmbeddings<Embedding<float>> e = await Embedder.Value.GenerateAsync([a, b]);
        return TensorPrimitives.CosineSimilarity(e[0].Vector.Span, e[1].Vector.Span);
    }

    [Fact]
    public async Task A_prompt_within_the_threshold_of_a_cached_one_is_answered_from_the_cache_and_costs_nothing()
    {
        double similarity = await CosineAsync(Question, Paraphrase);
        IChatClient hit = Cached(o => o.SimilarityThreshold = similarity - 1e-4);
        IChatClient miss = Cached(o => o.SimilarityThreshold = similarity + 1e-4);

        ChatResponse first = await hit.GetResponseAsync(Question);
        ChatResponse served = await hit.GetResponseAsync(Paraphrase);
        Assert.Equal(1, Calls);
        Assert.Equal(1, Spent.Calls);
        await miss.GetResponseAsync(Question);
        ChatResponse missed = await miss.GetResponseAsync(Paraphrase);

        Assert.True(similarity is > 0.8 and < 0.999, $"MiniLM gave the paraphrase a similarity of {similarity}");
        Assert.Equal("You asked: " + Question, first.Text);
        Assert.Null(Similarity(first));
        Assert.Equal("You asked: " + Question, served.Text);
        Assert.Equal("primary-model", served.ModelId);
        Assert.Equal(similarity, Similarity(served)!.Value, 3);
        Assert.Null(served.Usage); // nothing was spent on it
        Assert.Equal("You asked: " + Paraphrase, missed.Text);
        Assert.Null(Similarity(missed));
        Assert.Equal(3, Calls);
        Assert.Equal(3, Spent.Calls);
    }

    [Fact]
    public async Task An_answer_is_never_served_to_another_tenant_or_for_another_model()
    {
        IChatClient chat = Cached(o => o.SimilarityThreshold = 0.999);

        using (UsageScope.Begin(tenant: "acme"))
        {
            await chat.GetResponseAsync(Question);
        }

        using (UsageScope.Begin(tenant: "globex"))
        {
            Assert.Null(Similarity(await chat.GetResponseAsync(Question)));
            Assert.Equal(2, Calls);
        }

        Assert.Null(Similarity(await chat.GetResponseAsync(Question))); // outside any tenant is a partition of its own
        Assert.Equal(3, Calls);
        using (UsageScope.Begin(tenant: "acme", user: "someone-else", operation: "other"))
        {
            Assert.NotNull(Similarity(await chat.GetResponseAsync(Question))); // the same tenant: served
            Assert.Equal(3, Calls);
            Assert.Null(Similarity(await chat.GetResponseAsync(Question, new ChatOptions { ModelId = "other-model" })));
            Assert.NotNull(Similarity(await chat.GetResponseAsync(Question, new ChatOptions { ModelId = "other-model" })));
        }

        Assert.Equal(4, Calls);
        Assert.Equal(4, Spent.Calls);
    }

    [Fact]
    public async Task Concurrent_tenants_asking_the_same_question_each_get_their_own_answer_once()
    {
        IChatClient chat = Cached(o => o.SimilarityThreshold = 0.999);
        string[] tenants = [.. Enumerable.Range(0, 8).Select(i => "tenant-" + i)];

        async Task<ChatResponse> AskAsync(string tenant)
        {
            using (UsageScope.Begin(tenant: tenant))
            {
                return await chat.GetResponseAsync(Question);
            }
        }

        await Task.WhenAll(tenants.Select(AskAsync));
        ChatResponse[] again = await Task.WhenAll(tenants.Select(AskAsync));

        Assert.Equal(tenants.Length, Calls);
        Assert.All(again, r => Assert.NotNull(Similarity(r)));
        foreach (string tenant in tenants)
        {
            Assert.Equal(1, _provider.GetRequiredService<UsageLedger>().GetTotals(tenant: tenant).Calls);
        }
    }

    [Fact]
    public async Task The_rest_of_the_conversation_and_the_options_that_change_an_answer_partition_the_cache()
    {
        IChatClient chat = Cached(o => o.SimilarityThreshold = 0.999);
        ChatMessage[] history = [new(ChatRole.User, "Tell me about Katla."), new(ChatRole.Assistant, "Katla is a volcano."), new(ChatRole.User, "When did it last erupt?")];

        await chat.GetResponseAsync(history);
        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "When did it last erupt?")]);
        await chat.GetResponseAsync(history, new ChatOptions { Temperature = 0.9f });
        await chat.GetResponseAsync(history, new ChatOptions { Instructions = "Answer in French." });
        await chat.GetResponseAsync(history, new ChatOptions { MaxOutputTokens = 50 });
        Assert.Equal(5, Calls);
        ChatResponse served = await chat.GetResponseAsync(history);
        ChatResponse servedWithOptions = await chat.GetResponseAsync(history, new ChatOptions { Temperature = 0.9f });

        Assert.Equal(5, Calls);
        Assert.NotNull(Similarity(served));
        Assert.NotNull(Similarity(servedWithOptions));
    }

    [Fact]
    public async Task An_answer_expires_after_its_time_to_live()
    {
        IChatClient chat = Cached(o =>
        {
            o.SimilarityThreshold = 0.999;
            o.TimeToLive = TimeSpan.FromMinutes(10);
        });

        await chat.GetResponseAsync(Question);
        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        ChatResponse served = await chat.GetResponseAsync(Question);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        ChatResponse expired = await chat.GetResponseAsync(Question);
        ChatResponse servedAgain = await chat.GetResponseAsync(Question);

        Assert.NotNull(Similarity(served));
        Assert.Null(Similarity(expired));
        Assert.NotNull(Similarity(servedAgain));
        Assert.Equal(2, Calls);
    }

    [Fact]
    public async Task Streamed_answers_are_cached_and_served_streamed_and_whole()
    {
        IChatClient chat = Cached(o => o.SimilarityThreshold = 0.999);

        List<ChatResponseUpdate> streamed = await chat.GetStreamingResponseAsync(Question).ToListAsync();
        List<ChatResponseUpdate> served = await chat.GetStreamingResponseAsync(Question).ToListAsync();
        ChatResponse whole = await chat.GetResponseAsync(Question);

        Assert.Equal("You asked: " + Question, string.Concat(streamed.Select(u => u.Text)));
        Assert.Equal("You asked: " + Question, string.Concat(served.Select(u => u.Text)));
        Assert.NotNull(Similarity(served.ToChatResponse()));
        Assert.DoesNotContain(served, u => u.Contents.Any(c => c is UsageContent));
        Assert.Equal(ChatFinishReason.Stop, served.ToChatResponse().FinishReason);
        Assert.Equal("You asked: " + Question, whole.Text);
        Assert.NotNull(Similarity(whole));
        Assert.Equal(1, Calls);
    }

    [Fact]
    public async Task A_stream_that_ended_without_its_finish_and_calls_with_tools_are_never_cached()
    {
        IChatClient chat = Cached(o => o.SimilarityThreshold = 0.999);
        var tools = new ChatOptions { Tools = [AIFunctionFactory.Create(() => "42", "answer")] };

        _server.Enqueue(new ChatFault(EndAfterPieces: 3)); // a proxy closed the stream after three words
        string cut = string.Concat(await chat.GetStreamingResponseAsync(Question).Select(u => u.Text).ToListAsync());
        ChatResponse afterCut = await chat.GetResponseAsync(Question);
        await chat.GetResponseAsync("Where is Hekla?", tools);
        ChatResponse withTools = await chat.GetResponseAsync("Where is Hekla?", tools);

        Assert.Equal("You asked: Which", cut);
        Assert.Null(Similarity(afterCut));
        Assert.Equal("You asked: " + Question, afterCut.Text);
        Assert.Null(Similarity(withTools));
        Assert.Equal(4, Calls);
    }

    [Fact]
    public async Task Answers_live_in_the_given_vector_store_with_their_expiry_and_the_embedder_comes_from_the_services()
    {
        using var store = new InMemoryVectorStore();
        var services = new ServiceCollection();
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(Embedder.Value);
        await using ServiceProvider withEmbedder = services.BuildServiceProvider();
        using IChatClient chat = new ChatClientBuilder(_provider.GetRequiredKeyedService<IChatClient>("primary")).UseSemanticCache(o =>
        {
            o.VectorStore = store;
            o.CollectionName = "answers";
            o.TimeProvider = _clock;
        }).Build(withEmbedder);

        await chat.GetResponseAsync(Question);

        var collection = store.GetCollection<string, SemanticCacheRecord>("answers", SemanticCacheRecord.CreateDefinition(384));
        SemanticCacheRecord record = Assert.Single(await collection.GetAsync(r => r.Prompt == Question, 10, new FilteredRecordRetrievalOptions<SemanticCacheRecord> { IncludeVectors = true }).ToListAsync());
        Assert.Equal(_clock.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds(), record.ExpiresAt);
        Assert.Contains("You asked: " + Question, record.Response, StringComparison.Ordinal);
        Assert.Equal(384, record.Embedding.Length);
    }

    [Fact]
    public async Task The_partition_is_the_SHA_256_of_the_length_prefixed_request_besides_its_last_message()
    {
        using var store = new InMemoryVectorStore();
        using IChatClient chat = Cached(o => o.VectorStore = store);
        string? defaultModel = _provider.GetRequiredKeyedService<IChatClient>("primary").GetService<ChatClientMetadata>()?.DefaultModelId;
        List<ChatMessage> earlier = [new(ChatRole.System, "Réponds en français, s'il te plaît."), new(ChatRole.User, "Bonjour"), new(ChatRole.Assistant, "Bonjour ! 👋")];
        (string Prompt, List<ChatMessage> Earlier, ChatOptions? Options, string? Tenant)[] requests =
        [
            ("Which volcano erupted in 2010?", [], null, null),
            ("Quel volcan est entré en éruption en 2010 ?", earlier, new ChatOptions(), "acme"),
            ("Und auf Deutsch, bitte?", earlier, new ChatOptions { Temperature = 0.2f, Seed = 7, StopSequences = ["\n\n"], Instructions = "Be brief.", ModelId = "primary-model" }, "acme"),
        ];
        var collection = store.GetCollection<string, SemanticCacheRecord>("llm_stack_semantic_cache", SemanticCacheRecord.CreateDefinition(384));
        foreach ((string prompt, List<ChatMessage> history, ChatOptions? options, string? tenant) in requests)
        {
            List<ChatMessage> messages = [.. history, new(ChatRole.User, prompt)];
            using (tenant is null ? null : UsageScope.Begin(tenant: tenant))
            {
                await chat.GetResponseAsync(messages, options);
            }

            SemanticCacheRecord record = Assert.Single(await collection.GetAsync(r => r.Prompt == prompt, 10).ToListAsync());
            Assert.Equal(ReferencePartition(tenant, options?.ModelId ?? defaultModel, messages, options), record.Partition);
        }
    }

    /// <summary>
    /// The partition as the cache has always written it under an invariant-like culture (a StringBuilder of length-prefixed
    /// fields, then SHA-256): stored partitions stay valid. The lengths are written in the invariant culture.
    /// </summary>
    private static string ReferencePartition(string? tenant, string? model, List<ChatMessage> messages, ChatOptions? options)
    {
        var text = new StringBuilder();
        void Field(string? value) => text.Append((value?.Length ?? -1).ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
        Field(tenant);
        Field(model);
        Field(options?.Instructions);
        for (int i = 0; i < messages.Count - 1; i++)
        {
            Field(messages[i].Role.Value);
            Field(messages[i].Text);
        }

        if (options is not null)
        {
            Field(JsonSerializer.Serialize(
                new object?[] { options.Temperature, options.TopP, options.TopK, options.MaxOutputTokens, options.FrequencyPenalty, options.PresencePenalty, options.Seed, options.StopSequences, options.ResponseFormat },
                AIJsonUtilities.DefaultOptions));
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    [Theory]
    [InlineData("fa-IR")]
    [InlineData("ar-SA")]
    public async Task The_partition_is_the_same_whatever_the_culture_of_the_calling_thread(string cultureName)
    {
        var culture = CultureInfo.GetCultureInfo(cultureName);
        // These cultures write -1 (the length of a missing field) with another minus sign than the ASCII one.
        Assert.NotEqual("-", culture.NumberFormat.NegativeSign);
        List<ChatMessage> messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, Question)];
        string? defaultModel = _provider.GetRequiredKeyedService<IChatClient>("primary").GetService<ChatClientMetadata>()?.DefaultModelId;

        async Task<string> PartitionAsync(CultureInfo threadCulture)
        {
            using var store = new InMemoryVectorStore();
            using IChatClient chat = Cached(o => o.VectorStore = store);
            CultureInfo previous = CultureInfo.CurrentCulture;
            CultureInfo.CurrentCulture = threadCulture;
            try
            {
                await chat.GetResponseAsync(messages); // no tenant and no options: two fields of length -1
            }
            finally
            {
                CultureInfo.CurrentCulture = previous;
            }

            var collection = store.GetCollection<string, SemanticCacheRecord>("llm_stack_semantic_cache", SemanticCacheRecord.CreateDefinition(384));
            return Assert.Single(await collection.GetAsync(r => r.Prompt == Question, 10).ToListAsync()).Partition;
        }

        string invariant = await PartitionAsync(CultureInfo.InvariantCulture);
        string other = await PartitionAsync(culture);

        Assert.Equal(invariant, other);
        Assert.Equal(ReferencePartition(null, defaultModel, messages, null), other);
    }

    [Fact]
    public async Task The_cache_s_own_store_keeps_tenants_apart_and_drops_partitions_whose_answers_all_expired()
    {
        IChatClient chat = Cached(o =>
        {
            o.SimilarityThreshold = 0.999;
            o.TimeToLive = TimeSpan.FromMinutes(10);
        });

        async Task<ChatResponse> AskAsync(string tenant, string question = Question)
        {
            using (UsageScope.Begin(tenant: tenant))
            {
                return await chat.GetResponseAsync(question);
            }
        }

        // Each tenant's answers are in a partition (and, in the cache's own store, a collection) of their own.
        Assert.Null(Similarity(await AskAsync("acme")));
        Assert.Null(Similarity(await AskAsync("globex")));
        Assert.NotNull(Similarity(await AskAsync("acme")));
        Assert.NotNull(Similarity(await AskAsync("globex")));
        Assert.Null(Similarity(await AskAsync("initech")));
        Assert.Equal(3, Calls);

        // All three expire; the next answer stored purges them, and their partitions' collections with them.
        for (int round = 0; round < 20; round++)
        {
            _clock.Advance(TimeSpan.FromMinutes(11));
            string[] tenants = ["acme", "globex", "initech"];
            // Lookups of the expired partitions race the purge that a new tenant's answer sets off: each is a miss,
            // whether it finds the collection before, during or after its deletion, and none fails.
            ChatResponse[] answers = await Task.WhenAll([AskAsync("umbrella-" + round, Paraphrase), .. tenants.Select(t => AskAsync(t))]);
            Assert.All(answers, a => Assert.Null(Similarity(a)));
            Assert.All(answers.Skip(1), a => Assert.Equal("You asked: " + Question, a.Text));
            foreach (string tenant in tenants)
            {
                Assert.NotNull(Similarity(await AskAsync(tenant))); // its answer was stored again
            }
        }

        // After all that, a tenant's fresh answer is served to it and to no one else.
        Assert.NotNull(Similarity(await AskAsync("acme")));
        Assert.Null(Similarity(await AskAsync("hooli")));
        Assert.Equal(3 + (20 * 4) + 1, Calls);
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_value_and_a_missing_embedder_when_the_client_is_built()
    {
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new SemanticCacheOptions { SimilarityThreshold = 0 });
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new SemanticCacheOptions { SimilarityThreshold = 1.01 });
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new SemanticCacheOptions { SimilarityThreshold = double.NaN });
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new SemanticCacheOptions { TimeToLive = TimeSpan.Zero });
        Assert.Throws<ArgumentException>("value", () => new SemanticCacheOptions { CollectionName = " " });
        Assert.Throws<ArgumentNullException>("builder", () => ((ChatClientBuilder)null!).UseSemanticCache());
        Assert.Throws<ArgumentOutOfRangeException>("dimensions", () => SemanticCacheRecord.CreateDefinition(0));
        InvalidOperationException noEmbedder = Assert.Throws<InvalidOperationException>(() =>
            new ChatClientBuilder(_provider.GetRequiredKeyedService<IChatClient>("primary")).UseSemanticCache().Build(new ServiceCollection().BuildServiceProvider()));
        Assert.Contains("no embedding generator", noEmbedder.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> ReadmeSettings() => new()
    {
        ["LlmStack:Embeddings:Provider"] = "minilm",
        ["LlmStack:ChatModels:primary:Provider"] = "openai",
        ["LlmStack:ChatModels:primary:Endpoint"] = _server.Endpoint.ToString(),
        ["LlmStack:ChatModels:primary:Model"] = "primary-model",
        ["LlmStack:ChatModels:primary:InputPricePerMillionTokens"] = "0.15",
        ["LlmStack:ChatModels:primary:OutputPricePerMillionTokens"] = "0.60",
    };

    [Fact]
    public async Task The_readme_example_serves_a_paraphrase_from_the_cache_with_the_configured_embedder()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(ReadmeSettings()).Build();
        var services = new ServiceCollection();

        // README: Semantic cache
        services.AddLlmStack(configuration).AddOpenAIProvider().AddMiniLmProvider().AddUsageLedger();
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>("primary"))
            .UseSemanticCache(o => o.SimilarityThreshold = 0.9);
        IChatClient chat = services.BuildServiceProvider().GetRequiredService<IChatClient>();

        using (UsageScope.Begin(tenant: "acme"))
        {
            await chat.GetResponseAsync("Which volcano in Iceland erupted in 2010?");          // asks the model
            ChatResponse cached = await chat.GetResponseAsync("Which Icelandic volcano erupted in 2010?"); // served, costs nothing
            Console.WriteLine(cached.Text);
        }
        // README: end

        Assert.Equal(1, Calls); // the paraphrase was served from the cache
    }

    [Fact]
    public async Task The_exact_cache_above_the_semantic_cache_serves_a_repeat_by_its_key_and_keeps_tenants_apart()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(ReadmeSettings()).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider().AddMiniLmProvider();
        services.AddDistributedMemoryCache();
        var embeddings = new CountingEmbedder(Embedder.Value);
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(embeddings);

        // README: Semantic cache with the exact cache
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>("primary"))
            .Use((inner, sp) => new TenantDistributedCachingChatClient(inner, sp.GetRequiredService<IDistributedCache>()))
            .UseSemanticCache();
        // README: end

        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatResponse repeat;
        using (UsageScope.Begin(tenant: "acme"))
        {
            await chat.GetResponseAsync(Question);
            repeat = await chat.GetResponseAsync(Question);
        }

        Assert.Equal("You asked: " + Question, repeat.Text);
        Assert.Null(Similarity(repeat)); // the exact cache answered, above the semantic one
        Assert.Equal(1, embeddings.Calls);
        Assert.Equal(1, Calls);
        using (UsageScope.Begin(tenant: "globex"))
        {
            Assert.Null(Similarity(await chat.GetResponseAsync(Question)));
        }

        Assert.Equal(2, Calls);
        Assert.Equal(2, embeddings.Calls);
    }

    // README: Tenant exact cache
    private sealed class TenantDistributedCachingChatClient(IChatClient inner, IDistributedCache cache) : DistributedCachingChatClient(inner, cache)
    {
        protected override string GetCacheKey(IEnumerable<ChatMessage> messages, ChatOptions? options, params ReadOnlySpan<object?> additionalValues) =>
            base.GetCacheKey(messages, options, [UsageScope.Current?.Tenant, .. additionalValues]);
    }
    // README: end

    /// <summary>Counts the calls to the shared MiniLM embedder, which outlives each test's services (so it is not disposed with them).</summary>
    private sealed class CountingEmbedder(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;

        public int Calls => _calls;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return inner.GenerateAsync(values, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

        public void Dispose()
        {
        }
    }
}
