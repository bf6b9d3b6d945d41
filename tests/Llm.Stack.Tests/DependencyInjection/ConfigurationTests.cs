using Llm.Stack.Onnx;
using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Tests.DependencyInjection;

public class ConfigurationTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();

    private static ServiceProvider Build(IConfiguration configuration, Action<LlmStackBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLlmStack(configuration, configure);
        return services.BuildServiceProvider();
    }

    /// <summary>What a plain <see cref="ServiceCollection"/> app sees: the exception thrown by AddLlmStack itself.</summary>
    private static OptionsValidationException AddFails(params (string Key, string? Value)[] pairs) =>
        Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(pairs)));

    [Fact]
    public void Options_bind_from_the_LlmStack_section()
    {
        IConfiguration configuration = Config(
            ("LlmStack:DataDirectory", "/var/lib/app"),
            ("LlmStack:Chat:Provider", "openai"),
            ("LlmStack:Chat:Endpoint", "http://127.0.0.1:8080/v1"),
            ("LlmStack:Chat:Model", "qwen2.5-0.5b"),
            ("LlmStack:Chat:ContextWindow", "8192"),
            ("LlmStack:Embeddings:BatchSize", "64"),
            ("LlmStack:Embeddings:ExecutionProvider", "cuda"),
            ("LlmStack:Embeddings:DeviceId", "1"),
            ("LlmStack:VectorStore:CollectionName", "manuals"),
            ("LlmStack:VectorStore:Quantization", "Int8"));

        using ServiceProvider provider = Build(configuration, stack => stack.AddChatProvider("openai", _ => new TestChatClient()));
        LlmStackOptions options = provider.GetRequiredService<IOptions<LlmStackOptions>>().Value;

        Assert.Equal("/var/lib/app", options.DataDirectory);
        Assert.Equal("openai", options.Chat.Provider);
        Assert.Equal(new Uri("http://127.0.0.1:8080/v1"), options.Chat.Endpoint);
        Assert.Equal("qwen2.5-0.5b", options.Chat.Model);
        Assert.Equal(8192, options.Chat.ContextWindow);
        Assert.Null(options.Embeddings.Provider);
        Assert.Equal(64, options.Embeddings.BatchSize);
        Assert.Equal(OnnxExecutionProvider.Cuda, options.Embeddings.ExecutionProvider);
        Assert.Equal(1, options.Embeddings.DeviceId);
        Assert.Equal("manuals", options.VectorStore.CollectionName);
        Assert.Equal(VectorIndex.VectorQuantization.Int8, options.VectorStore.Quantization);
    }

    [Fact]
    public void The_inmemory_provider_creates_a_store_with_the_configured_quantization()
    {
        string data = Directory.CreateTempSubdirectory("llmstack-quantized-").FullName;
        try
        {
            IConfiguration configuration = Config(
                ("LlmStack:DataDirectory", data),
                ("LlmStack:VectorStore:Provider", "inmemory"),
                ("LlmStack:VectorStore:Quantization", "Int8"));

            using ServiceProvider provider = Build(configuration, stack => stack.AddInMemoryVectorStoreProvider());

            var store = Assert.IsType<VectorIndex.InMemoryVectorStore>(provider.GetRequiredService<Microsoft.Extensions.VectorData.VectorStore>());
            Assert.Equal(VectorIndex.VectorQuantization.Int8, store.Quantization);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void The_section_itself_may_be_passed()
    {
        IConfiguration configuration = Config(("LlmStack:DataDirectory", "data"));

        using ServiceProvider provider = Build(configuration.GetSection("LlmStack"));

        Assert.Equal("data", provider.GetRequiredService<IOptions<LlmStackOptions>>().Value.DataDirectory);
    }

    [Fact]
    public void Defaults_apply_when_the_section_is_absent_and_register_nothing_from_configuration()
    {
        using ServiceProvider provider = Build(Config());

        LlmStackOptions options = provider.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        Assert.Equal(".llmstack", options.DataDirectory);
        Assert.Equal(ChatProviders.None, options.Chat.Provider);
        Assert.Null(options.Embeddings.Provider);
        Assert.Null(options.VectorStore.Provider);
        Assert.Null(provider.GetService<IChatClient>());
        Assert.Null(provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public void A_missing_required_setting_fails_inside_AddLlmStack_naming_the_key()
    {
        OptionsValidationException error = AddFails(("LlmStack:Chat:Provider", "onnx"));

        Assert.Contains("LlmStack:Chat:ModelPath is required when the provider is 'onnx'.", error.Failures);
    }

    [Fact]
    public void A_missing_model_folder_fails_inside_AddLlmStack_naming_the_key_and_the_path()
    {
        OptionsValidationException error = AddFails(("LlmStack:Embeddings:Provider", "onnx"), ("LlmStack:Embeddings:ModelPath", "no/such/model"));

        Assert.Contains(
            $"LlmStack:Embeddings:ModelPath is 'no/such/model', but the model file or folder '{Path.GetFullPath("no/such/model")}' does not exist.",
            error.Failures);
    }

    [Theory]
    [InlineData("LlmStack:Chat:Modle", "typo", "LlmStack:Chat:Modle is not a known key. Did you mean LlmStack:Chat:Model?")]
    [InlineData("LlmStack:Chatt:Provider", "openai", "LlmStack:Chatt is not a known key. Did you mean LlmStack:Chat?")]
    [InlineData("LlmStack:Rag:Topp", "3", "LlmStack:Rag:Topp is not a known key. Did you mean LlmStack:Rag:Top?")]
    [InlineData("LlmStack:Ingestion:MaxChunkToken", "3", "LlmStack:Ingestion:MaxChunkToken is not a known key. Did you mean LlmStack:Ingestion:MaxChunkTokens?")]
    public void An_unknown_key_fails_inside_AddLlmStack_naming_the_full_key(string key, string value, string expected)
    {
        OptionsValidationException error = AddFails((key, value));

        string failure = Assert.Single(error.Failures);
        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("BinderOptions", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LlmStack:VectorStore:Provider", "chroma", "LlmStack:VectorStore:Endpoint is required when the provider is 'chroma'.")]
    [InlineData("LlmStack:Embeddings:BatchSize", "0", "LlmStack:Embeddings:BatchSize must be from 1 to 2048, but is 0.")]
    [InlineData("LlmStack:Embeddings:BatchSize", "many", "LlmStack:Embeddings:BatchSize is 'many', which is not a whole number.")]
    [InlineData("LlmStack:Chat:ExecutionProvider", "gpu", "LlmStack:Chat:ExecutionProvider is 'gpu', which is not one of: Cpu, Cuda.")]
    [InlineData("LlmStack:Chat:ContextWindow", "-1", "LlmStack:Chat:ContextWindow must be a positive number of tokens, but is -1.")]
    [InlineData("LlmStack:Chat:Provider", " ", "LlmStack:Chat:Provider must name a provider, such as openai; it is empty.")]
    [InlineData("LlmStack:DataDirectory", " ", "LlmStack:DataDirectory must not be empty.")]
    [InlineData("LlmStack:Rag:Top", "0", "LlmStack:Rag:Top is '0', which is not allowed: it is out of range for this setting.")]
    [InlineData("LlmStack:Ingestion:RemoveMissingDocuments", "maybe", "LlmStack:Ingestion:RemoveMissingDocuments is 'maybe', which is not true or false.")]
    [InlineData("LlmStack:Chat", "openai", "LlmStack:Chat is a section, not a value: set its keys instead, such as LlmStack:Chat:Provider.")]
    [InlineData("LlmStack:VectorStore:IndexKind", "ivf", "LlmStack:VectorStore:IndexKind must be 'flat' or 'hnsw', but is 'ivf'.")]
    [InlineData("LlmStack:VectorStore:IngestionState", "server", "LlmStack:VectorStore:IngestionState must be 'file' or 'store', but is 'server'.")]
    [InlineData("LlmStack:VectorStore:IngestionState", "store", "LlmStack:VectorStore:IngestionState is 'store', which needs a server that keeps the chunks itself: set LlmStack:VectorStore:Provider to 'postgres' or 'chroma'.")]
    public void An_invalid_value_fails_inside_AddLlmStack_naming_the_key(string key, string value, string expected)
    {
        OptionsValidationException error = AddFails((key, value));

        Assert.Contains(expected, error.Failures);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_no_secret_is_repeated()
    {
        OptionsValidationException error = AddFails(
            ("LlmStack:Chat:Provider", "openai"),
            ("LlmStack:Chat:ApiKey", "sk-secret-value"),
            ("LlmStack:Chat:Modle", "gpt"),
            ("LlmStack:Embeddings:BatchSize", "many"));

        Assert.Equal(2, error.Failures.Count());
        Assert.DoesNotContain("sk-secret-value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_configured_provider_is_created_by_the_package_that_registered_its_name()
    {
        IConfigurationSection? seen = null;
        var client = new TestChatClient();
        using ServiceProvider provider = Build(
            Config(("LlmStack:Chat:Provider", "Scripted"), ("LlmStack:Chat:Model", "tiny"), ("LlmStack:DataDirectory", "data")),
            stack => stack.AddChatProvider("scripted", context =>
            {
                seen = context.Configuration;
                Assert.Equal(Path.GetFullPath("data"), context.DataDirectory);
                return client;
            }));

        // The provider's client, behind the resilience layer the stack puts next to the configured chat model.
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        Assert.IsType<ResilientChatClient>(chat);
        Assert.Same(client, chat.GetService<TestChatClient>());
        Assert.Equal("LlmStack:Chat", seen!.Path);
        Assert.Equal("tiny", seen["Model"]);
    }

    [Fact]
    public void An_unregistered_provider_fails_when_resolved_naming_the_package_and_the_call()
    {
        using ServiceProvider provider = Build(Config(
            ("LlmStack:Chat:Provider", "openai"), ("LlmStack:Chat:Endpoint", "http://127.0.0.1:1/v1"), ("LlmStack:Chat:Model", "m")));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IChatClient>());

        Assert.StartsWith(
            "LlmStack:Chat:Provider is 'openai', but no package registered it: reference Llm.Stack.OpenAI and call AddOpenAIProvider()",
            Assert.Single(error.Failures),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_refuses_to_start_with_an_unregistered_provider()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("LlmStack:Embeddings:Provider", "minilm")]);
        builder.Services.AddLlmStack(builder.Configuration);

        using IHost host = builder.Build();
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("reference Llm.Stack.Onnx.MiniLM and call AddMiniLmProvider()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registration_in_code_wins_over_configuration_before_or_after_AddLlmStack()
    {
        IConfiguration configuration = Config(("LlmStack:Chat:Provider", "unregistered"));
        var before = new TestChatClient { Name = "before" };
        var after = new TestChatClient { Name = "after" };

        var services = new ServiceCollection();
        services.AddChatClient(before);
        services.AddLlmStack(configuration);
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            Assert.Same(before, provider.GetRequiredService<IChatClient>());
            Assert.Equal("unregistered", provider.GetRequiredService<IOptions<LlmStackOptions>>().Value.Chat.Provider);
        }

        using ServiceProvider second = Build(configuration, stack => stack.AddChatClient(after));
        Assert.Same(after, second.GetRequiredService<IChatClient>());
        Assert.Equal("unregistered", second.GetRequiredService<IOptions<LlmStackOptions>>().Value.Chat.Provider);
    }

    [Fact]
    public void Rag_defaults_come_from_the_chat_model_and_the_Rag_section_and_code_wins()
    {
        IConfiguration configuration = Config(
            ("LlmStack:Chat:ContextWindow", "2048"),
            ("LlmStack:Chat:MaxOutputTokens", "200"),
            ("LlmStack:Rag:Top", "7"),
            ("LlmStack:Rag:RewriteFollowUps", "false"));

        using ServiceProvider configured = Build(configuration);
        RagOptions rag = configured.GetRequiredService<IOptions<RagOptions>>().Value;
        Assert.Equal((2048, 200, 7, false), (rag.ContextWindowTokens, rag.MaxAnswerTokens, rag.Top, rag.RewriteFollowUps));

        using ServiceProvider overridden = Build(configuration, stack => stack.AddRag(o => o.Top = 2));
        RagOptions code = overridden.GetRequiredService<IOptions<RagOptions>>().Value;
        Assert.Equal((2048, 200, 2), (code.ContextWindowTokens, code.MaxAnswerTokens, code.Top));
    }

    [Fact]
    public void Ingestion_defaults_bind_from_the_Ingestion_section()
    {
        using ServiceProvider provider = Build(Config(("LlmStack:Ingestion:MaxChunkTokens", "300"), ("LlmStack:Ingestion:RemoveMissingDocuments", "false")));

        IngestionOptions options = provider.GetRequiredService<IOptions<IngestionOptions>>().Value;

        Assert.Equal(300, options.MaxChunkTokens);
        Assert.False(options.RemoveMissingDocuments);
    }
}
