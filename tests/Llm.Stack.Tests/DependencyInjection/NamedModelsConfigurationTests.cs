using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Tests.DependencyInjection;

/// <summary>
/// <c>LlmStack:ChatModels:&lt;name&gt;</c> and <c>LlmStack:EmbeddingModels:&lt;name&gt;</c>: bound with prices and resilience,
/// validated with full key paths, and registered as keyed services created by the named provider from the model's own section.
/// </summary>
public class NamedModelsConfigurationTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();

    private static readonly (string, string?)[] TwoModels =
    [
        ("LlmStack:Chat:Provider", "test"),
        ("LlmStack:Chat:Model", "default-model"),
        ("LlmStack:ChatModels:fast:Provider", "test"),
        ("LlmStack:ChatModels:fast:Model", "small-model"),
        ("LlmStack:ChatModels:fast:ContextWindow", "16000"),
        ("LlmStack:ChatModels:fast:InputPricePerMillionTokens", "0.15"),
        ("LlmStack:ChatModels:fast:OutputPricePerMillionTokens", "0.60"),
        ("LlmStack:ChatModels:fast:CachedInputPricePerMillionTokens", "0.075"),
        ("LlmStack:ChatModels:fast:Resilience:MaxRetries", "0"),
        ("LlmStack:ChatModels:fast:Resilience:RequestsPerMinute", "500"),
        ("LlmStack:ChatModels:fast:Resilience:TokensPerMinute", "200000"),
        ("LlmStack:ChatModels:fast:Resilience:AttemptTimeout", "00:00:30"),
        ("LlmStack:ChatModels:Smart:Provider", "test"),
        ("LlmStack:ChatModels:Smart:Model", "large-model"),
        ("LlmStack:EmbeddingModels:small:Provider", "test"),
        ("LlmStack:EmbeddingModels:small:Model", "embed-small"),
        ("LlmStack:EmbeddingModels:small:InputPricePerMillionTokens", "0.02"),
    ];

    /// <summary>A provider named <c>test</c> whose clients answer with the model id and the section they were created from.</summary>
    private static LlmStackBuilder AddTestProviders(LlmStackBuilder stack) => stack
        .AddChatProvider("test", context => new TestChatClient { Name = $"{context.Configuration["Model"]} from {context.Configuration.Path}" })
        .AddEmbeddingProvider("test", context => new TestEmbeddingGenerator(context.Configuration["Model"] == "embed-small" ? 3 : 5));

    private static ServiceProvider Build(IConfiguration configuration, Action<IServiceCollection>? before = null)
    {
        var services = new ServiceCollection();
        before?.Invoke(services);
        AddTestProviders(services.AddLlmStack(configuration));
        return services.BuildServiceProvider();
    }

    private static OptionsValidationException AddFails(params (string Key, string? Value)[] pairs) =>
        Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(pairs)));

    [Fact]
    public void Named_models_bind_with_their_prices_context_window_and_resilience()
    {
        using ServiceProvider provider = Build(Config(TwoModels));
        LlmStackOptions options = provider.GetRequiredService<IOptions<LlmStackOptions>>().Value;

        Assert.Equal(["fast", "Smart"], options.ChatModels.Keys.Order(StringComparer.OrdinalIgnoreCase));
        ChatModelSettings fast = options.ChatModels["FAST"];
        Assert.Equal("small-model", fast.Model);
        Assert.Equal(16000, fast.ContextWindow);
        Assert.Equal(0.15m, fast.InputPricePerMillionTokens);
        Assert.Equal(0.60m, fast.OutputPricePerMillionTokens);
        Assert.Equal(0.075m, fast.CachedInputPricePerMillionTokens);
        Assert.Equal(0, fast.Resilience.MaxRetries);
        Assert.Equal(500, fast.Resilience.RequestsPerMinute);
        Assert.Equal(200000, fast.Resilience.TokensPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(30), fast.Resilience.AttemptTimeout);
        Assert.Null(options.ChatModels["Smart"].InputPricePerMillionTokens);
        Assert.Equal(3, options.ChatModels["Smart"].Resilience.MaxRetries);
        Assert.Equal(0.02m, options.EmbeddingModels["small"].InputPricePerMillionTokens);
        Assert.Equal("default-model", options.Chat.Model);
    }

    [Fact]
    public async Task Each_named_model_is_a_keyed_service_created_from_its_own_section_and_the_default_stays_unkeyed()
    {
        using ServiceProvider provider = Build(Config(TwoModels));

        ChatResponse fast = await provider.GetRequiredKeyedService<IChatClient>("fast").GetResponseAsync("hi");
        ChatResponse smart = await provider.GetRequiredKeyedService<IChatClient>("Smart").GetResponseAsync("hi");
        ChatResponse standard = await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("small-model from LlmStack:ChatModels:fast: hi", fast.Text);
        Assert.Equal("large-model from LlmStack:ChatModels:Smart: hi", smart.Text);
        Assert.Equal("default-model from LlmStack:Chat: hi", standard.Text);
        Assert.NotNull(provider.GetRequiredKeyedService<IChatClient>("fast").GetService<ResilientChatClient>());

        var small = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("small");
        Assert.Equal(3, (await small.GenerateAsync(["text"]))[0].Vector.Length);
        Assert.Null(provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public async Task A_named_models_resilience_keys_set_its_layer()
    {
        int calls = 0;
        using ServiceProvider failing = new ServiceCollection().AddLlmStack(Config(
            ("LlmStack:ChatModels:once:Provider", "failing"),
            ("LlmStack:ChatModels:once:Resilience:MaxRetries", "0"),
            ("LlmStack:ChatModels:twice:Provider", "failing"),
            ("LlmStack:ChatModels:twice:Resilience:MaxRetries", "1"),
            ("LlmStack:ChatModels:twice:Resilience:BaseDelay", "00:00:00"),
            ("LlmStack:ChatModels:twice:Resilience:UseCircuitBreaker", "false")))
            .AddChatProvider("failing", _ => new TestChatClient
            {
                GetResponseAsyncCallback = (_, _, _) =>
                {
                    Interlocked.Increment(ref calls);
                    throw new HttpRequestException("unavailable", null, System.Net.HttpStatusCode.ServiceUnavailable);
                },
            })
            .Services.BuildServiceProvider();

        await Assert.ThrowsAsync<HttpRequestException>(() => failing.GetRequiredKeyedService<IChatClient>("once").GetResponseAsync("hi"));
        Assert.Equal(1, calls);
        await Assert.ThrowsAsync<HttpRequestException>(() => failing.GetRequiredKeyedService<IChatClient>("twice").GetResponseAsync("hi"));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_keyed_client_registered_in_code_wins_over_the_named_model_of_the_same_name()
    {
        var mine = new TestChatClient { Name = "code" };
        using ServiceProvider provider = Build(Config(TwoModels), services => services.AddKeyedChatClient("fast", mine));

        Assert.Equal("code: hi", (await provider.GetRequiredKeyedService<IChatClient>("fast").GetResponseAsync("hi")).Text);
        Assert.Equal("large-model from LlmStack:ChatModels:Smart: hi", (await provider.GetRequiredKeyedService<IChatClient>("Smart").GetResponseAsync("hi")).Text);
    }

    [Fact]
    public async Task UseFailover_resolves_the_named_models_of_configuration()
    {
        var services = new ServiceCollection();
        AddTestProviders(services.AddLlmStack(Config(
            ("LlmStack:ChatModels:primary:Provider", "broken"),
            ("LlmStack:ChatModels:primary:Resilience:MaxRetries", "0"),
            ("LlmStack:ChatModels:backup:Provider", "test"),
            ("LlmStack:ChatModels:backup:Model", "backup-model"))))
            .AddChatProvider("broken", _ => new TestChatClient { GetResponseAsyncCallback = (_, _, _) => throw new InvalidOperationException("down") });
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>("primary")).UseFailover("primary", "backup");
        using ServiceProvider provider = services.BuildServiceProvider();

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("backup-model from LlmStack:ChatModels:backup: hi", response.Text);
        Assert.Equal("backup", response.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
    }

    [Fact]
    public void UseFailover_naming_a_model_nobody_configured_says_how_to_add_it()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Config());
        services.AddChatClient(new TestChatClient()).UseFailover("primary", "backup");
        using ServiceProvider provider = services.BuildServiceProvider();

        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("'backup'", e.Message, StringComparison.Ordinal);
        Assert.Contains("LlmStack:ChatModels:backup", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_in_named_models_are_reported_with_their_full_key_paths()
    {
        OptionsValidationException e = AddFails(
            ("LlmStack:ChatModels:fast:Provider", "openai"),
            ("LlmStack:ChatModels:fast:Modle", "x"),
            ("LlmStack:ChatModels:fast:InputPricePerMillionTokens", "-1"),
            ("LlmStack:ChatModels:fast:OutputPricePerMillionTokens", "cheap"),
            ("LlmStack:ChatModels:fast:Resilience:MaxRetries", "1000"),
            ("LlmStack:ChatModels:fast:Resilience:RequestsPerMinut", "10"));

        Assert.Contains(e.Failures, f => f.StartsWith("LlmStack:ChatModels:fast:Modle is not a known key. Did you mean LlmStack:ChatModels:fast:Model?", StringComparison.Ordinal));
        Assert.Contains("LlmStack:ChatModels:fast:InputPricePerMillionTokens is '-1', which is not allowed: it is out of range for this setting.", e.Failures);
        Assert.Contains("LlmStack:ChatModels:fast:OutputPricePerMillionTokens is 'cheap', which is not a number.", e.Failures);
        Assert.Contains("LlmStack:ChatModels:fast:Resilience:MaxRetries is '1000', which is not allowed: it must be from 0 to 100.", e.Failures);
        Assert.Contains(e.Failures, f => f.StartsWith("LlmStack:ChatModels:fast:Resilience:RequestsPerMinut is not a known key. Did you mean LlmStack:ChatModels:fast:Resilience:RequestsPerMinute?", StringComparison.Ordinal));
    }

    [Fact]
    public void A_named_model_needs_a_provider_and_the_provider_its_required_keys()
    {
        OptionsValidationException e = AddFails(
            ("LlmStack:ChatModels:fast:Model", "x"),
            ("LlmStack:ChatModels:local:Provider", "openai"),
            ("LlmStack:EmbeddingModels:small:Model", "e"),
            ("LlmStack:EmbeddingModels:small:BatchSize", "0"));

        Assert.Contains("LlmStack:ChatModels:fast:Provider is required: a named model needs a provider other than 'none', such as openai.", e.Failures);
        Assert.Contains("LlmStack:ChatModels:local:Endpoint is required when the provider is 'openai'.", e.Failures);
        Assert.Contains("LlmStack:ChatModels:local:Model is required when the provider is 'openai'.", e.Failures);
        Assert.Contains("LlmStack:EmbeddingModels:small:Provider must name a provider, such as openai; it is empty.", e.Failures);
        Assert.Contains("LlmStack:EmbeddingModels:small:BatchSize must be from 1 to 2048, but is 0.", e.Failures);
    }

    [Fact]
    public void A_named_model_whose_provider_no_package_registered_fails_at_start_naming_the_package()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Config(
            ("LlmStack:ChatModels:fast:Provider", "anthropic"),
            ("LlmStack:ChatModels:fast:Model", "claude"),
            ("LlmStack:ChatModels:fast:ApiKey", "k")));
        using ServiceProvider provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredKeyedService<IChatClient>("fast"));
        Assert.Contains(e.Failures, f => f.StartsWith("LlmStack:ChatModels:fast:Provider is 'anthropic', but no package registered it: reference Llm.Stack.Anthropic and call AddAnthropicProvider()", StringComparison.Ordinal));
    }

    [Fact]
    public void A_price_set_in_code_is_checked()
    {
        var settings = new ChatModelSettings();
        Assert.Throws<ArgumentOutOfRangeException>("value", () => settings.OutputPricePerMillionTokens = -0.01m);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new EmbeddingModelSettings().InputPricePerMillionTokens = -1m);
        Assert.Throws<ArgumentNullException>("value", () => settings.Resilience = null!);
    }

    [Fact]
    public void A_local_embedding_provider_gets_no_resilience_layer_unless_configuration_or_code_sets_its_Resilience()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Config(
                ("LlmStack:Embeddings:Provider", "local"),
                ("LlmStack:EmbeddingModels:guarded:Provider", "local"),
                ("LlmStack:EmbeddingModels:guarded:Resilience:MaxRetries", "1"),
                ("LlmStack:EmbeddingModels:coded:Provider", "local"),
                ("LlmStack:EmbeddingModels:remote:Provider", "test")))
            .AddLocalEmbeddingProvider("local", _ => new TestEmbeddingGenerator(3))
            .AddEmbeddingProvider("test", _ => new TestEmbeddingGenerator(5));
        services.Configure<LlmStackOptions>(o => o.EmbeddingModels["coded"].Resilience = new LlmResilienceOptions { MaxRetries = 0 });
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.IsType<TestEmbeddingGenerator>(provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.IsType<ResilientEmbeddingGenerator>(provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("guarded"));
        Assert.IsType<ResilientEmbeddingGenerator>(provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("coded"));
        Assert.IsType<ResilientEmbeddingGenerator>(provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("remote"));
        Assert.Equal(
            [("local", true), ("test", false)],
            provider.GetServices<LlmStackProviderRegistration>().Where(r => r.ServiceType == typeof(IEmbeddingGenerator<string, Embedding<float>>)).Select(r => (r.Name, r.IsLocal)));
        Assert.Throws<ArgumentException>("name", () => new LlmStackBuilder(new ServiceCollection()).AddLocalEmbeddingProvider(" ", _ => new TestEmbeddingGenerator()));
        Assert.Throws<ArgumentNullException>("factory", () => new LlmStackBuilder(new ServiceCollection()).AddLocalEmbeddingProvider("local", null!));
    }

    [Fact]
    public void A_local_chat_provider_gets_no_resilience_layer_unless_configuration_or_code_sets_its_Resilience()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Config(
                ("LlmStack:Chat:Provider", "local"),
                ("LlmStack:ChatModels:guarded:Provider", "local"),
                ("LlmStack:ChatModels:guarded:Resilience:MaxRetries", "1"),
                ("LlmStack:ChatModels:coded:Provider", "local"),
                ("LlmStack:ChatModels:remote:Provider", "test")))
            .AddLocalChatProvider("local", _ => new TestChatClient { Name = "local" })
            .AddChatProvider("test", _ => new TestChatClient { Name = "remote" })
            .AddUsageLedger();
        services.Configure<LlmStackOptions>(o => o.ChatModels["coded"].Resilience = new LlmResilienceOptions { MaxRetries = 0 });
        using ServiceProvider provider = services.BuildServiceProvider();

        // The ledger's layer stays (it counts a local model's tokens too); only the resilience layer goes.
        IChatClient local = provider.GetRequiredService<IChatClient>();
        Assert.IsType<UsageLedgerChatClient>(local);
        Assert.Equal("local", local.GetService<TestChatClient>()?.Name);
        Assert.Null(local.GetService<ResilientChatClient>());
        Assert.NotNull(provider.GetRequiredKeyedService<IChatClient>("guarded").GetService<ResilientChatClient>());
        Assert.NotNull(provider.GetRequiredKeyedService<IChatClient>("coded").GetService<ResilientChatClient>());
        Assert.NotNull(provider.GetRequiredKeyedService<IChatClient>("remote").GetService<ResilientChatClient>());
        Assert.Equal(
            [("local", true), ("test", false)],
            provider.GetServices<LlmStackProviderRegistration>().Where(r => r.ServiceType == typeof(IChatClient)).Select(r => (r.Name, r.IsLocal)));
        Assert.Throws<ArgumentException>("name", () => new LlmStackBuilder(new ServiceCollection()).AddLocalChatProvider(" ", _ => new TestChatClient()));
        Assert.Throws<ArgumentNullException>("factory", () => new LlmStackBuilder(new ServiceCollection()).AddLocalChatProvider("local", null!));
    }
}
