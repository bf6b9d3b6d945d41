#pragma warning disable SYSLIB0066 // IStartupValidator is what a host runs today; validation moves into AddLlmStack
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

    private static ServiceProvider Build(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLlmStack(configuration);
        return services.BuildServiceProvider();
    }

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
            ("LlmStack:VectorStore:CollectionName", "manuals"));

        using ServiceProvider provider = Build(configuration);
        LlmStackOptions options = provider.GetRequiredService<IOptions<LlmStackOptions>>().Value;

        Assert.Equal("/var/lib/app", options.DataDirectory);
        Assert.Equal("openai", options.Chat.Provider);
        Assert.Equal(new Uri("http://127.0.0.1:8080/v1"), options.Chat.Endpoint);
        Assert.Equal("qwen2.5-0.5b", options.Chat.Model);
        Assert.Equal(8192, options.Chat.ContextWindow);
        Assert.Equal(EmbeddingProviders.MiniLm, options.Embeddings.Provider);
        Assert.Equal(64, options.Embeddings.BatchSize);
        Assert.Equal("manuals", options.VectorStore.CollectionName);
    }

    [Fact]
    public void The_section_itself_may_be_passed()
    {
        IConfiguration configuration = Config(("LlmStack:DataDirectory", "data"));

        using ServiceProvider provider = Build(configuration.GetSection("LlmStack"));

        Assert.Equal("data", provider.GetRequiredService<IOptions<LlmStackOptions>>().Value.DataDirectory);
    }

    [Fact]
    public void Defaults_apply_when_the_section_is_absent_and_are_valid()
    {
        using ServiceProvider provider = Build(Config());
        provider.GetRequiredService<IStartupValidator>().Validate();

        LlmStackOptions options = provider.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        Assert.Equal(".llmstack", options.DataDirectory);
        Assert.Equal(ChatProviders.None, options.Chat.Provider);
        Assert.Equal(VectorStoreProviders.InMemory, options.VectorStore.Provider);
    }

    [Fact]
    public void Missing_required_setting_fails_at_start_naming_the_key()
    {
        using ServiceProvider provider = Build(Config(("LlmStack:Chat:Provider", "onnx")));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("LlmStack:Chat:ModelPath is required when the provider is 'onnx'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_refuses_to_start_with_an_invalid_setting()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("LlmStack:Embeddings:Provider", "openai"), new("LlmStack:Embeddings:Endpoint", "ftp://example")]);
        builder.Services.AddLlmStack(builder.Configuration);

        using IHost host = builder.Build();
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("LlmStack:Embeddings:Endpoint must be an absolute http or https URI", error.Message, StringComparison.Ordinal);
        Assert.Contains("LlmStack:Embeddings:Model is required when the provider is 'openai'.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LlmStack:Chat:Provider", "gpt", "LlmStack:Chat:Provider is 'gpt', which is not a known provider; use one of: none, onnx, openai.")]
    [InlineData("LlmStack:VectorStore:Provider", "chroma", "LlmStack:VectorStore:Endpoint is required when the provider is 'chroma'.")]
    [InlineData("LlmStack:Embeddings:BatchSize", "0", "LlmStack:Embeddings:BatchSize must be from 1 to 2048, but is 0.")]
    [InlineData("LlmStack:Chat:ContextWindow", "-1", "LlmStack:Chat:ContextWindow must be a positive number of tokens, but is -1.")]
    [InlineData("LlmStack:DataDirectory", " ", "LlmStack:DataDirectory must not be empty.")]
    public void Invalid_settings_are_reported_with_their_key(string key, string value, string expected)
    {
        using ServiceProvider provider = Build(Config((key, value)));

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, error.Failures);
    }

    [Fact]
    public void Unknown_key_is_an_error_naming_it()
    {
        using ServiceProvider provider = Build(Config(("LlmStack:Chat:Modle", "typo")));

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<LlmStackOptions>>().Value);

        Assert.Contains("Modle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_of_the_wrong_type_is_an_error_naming_the_key()
    {
        using ServiceProvider provider = Build(Config(("LlmStack:Embeddings:BatchSize", "many")));

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<LlmStackOptions>>().Value);

        Assert.Contains("LlmStack:Embeddings:BatchSize", error.Message, StringComparison.Ordinal);
    }
}
