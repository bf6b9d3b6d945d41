using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Ollama.Tests;

/// <summary>The <c>ollama</c> provider through <c>AddLlmStack(configuration)</c>, against a real Ollama-protocol server on 127.0.0.1.</summary>
public sealed class OllamaProviderTests : IDisposable
{
    private readonly OllamaProtocolServer _server = new();

    public void Dispose() => _server.Dispose();

    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOllamaProvider();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Chat_provider_ollama_answers_through_the_configured_endpoint_and_model_with_usage()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Chat:Provider", "ollama"),
            ("LlmStack:Chat:Endpoint", _server.BaseAddress.ToString()),
            ("LlmStack:Chat:Model", "llama3.2"));

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Which volcano erupted in 2010?");

        Assert.Equal("You asked: Which volcano erupted in 2010?", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        (string path, string? authorization, var body) = Assert.Single(_server.Requests);
        Assert.Equal("/api/chat", path);
        Assert.Null(authorization);
        Assert.Equal("llama3.2", body["model"]!.GetValue<string>());
        Assert.Equal("user", body["messages"]![0]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chat_streams_each_ndjson_line_as_an_update()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Chat:Provider", "Ollama"),
            ("LlmStack:Chat:Endpoint", _server.BaseAddress.ToString()),
            ("LlmStack:Chat:Model", "llama3.2"));

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync("stream this please"))
        {
            updates.Add(update);
        }

        Assert.Equal(5, updates.Count(u => u.Text.Length > 0));
        Assert.Equal("You asked: stream this please", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates.Last(u => u.FinishReason is not null).FinishReason);
        Assert.True(_server.Requests.Single().Body["stream"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Embeddings_provider_ollama_embeds_through_api_embed_and_forwards_its_metadata()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Embeddings:Provider", "ollama"),
            ("LlmStack:Embeddings:Endpoint", _server.BaseAddress.ToString()),
            ("LlmStack:Embeddings:Model", "nomic-embed-text"));
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(["volcano", "ash"]);

        Assert.Equal([7f, 3f, 1f], embeddings[0].Vector.ToArray());
        Assert.Equal([3f, 1f, 1f], embeddings[1].Vector.ToArray());
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/api/embed", request.Path);
        Assert.Equal("nomic-embed-text", request.Body["model"]!.GetValue<string>());
        var metadata = Assert.IsType<EmbeddingGeneratorMetadata>(generator.GetService(typeof(EmbeddingGeneratorMetadata)));
        Assert.Equal("ollama", metadata.ProviderName);
        Assert.Equal("nomic-embed-text", metadata.DefaultModelId);
        Assert.Equal(_server.BaseAddress, metadata.ProviderUri);
    }

    [Fact]
    public async Task An_api_key_from_configuration_is_sent_as_a_bearer_token()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Chat:Provider", "ollama"),
            ("LlmStack:Chat:Endpoint", _server.BaseAddress.ToString()),
            ("LlmStack:Chat:Model", "llama3.2"),
            ("LlmStack:Chat:ApiKey", "proxy-key"));

        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("Bearer proxy-key", Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public void A_missing_model_fails_inside_AddLlmStack_naming_the_key()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("LlmStack:Chat:Provider", "ollama"), new("LlmStack:Chat:ApiKey", "do-not-print")])
            .Build();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(configuration).AddOllamaProvider());

        Assert.Equal("LlmStack:Chat:Model is required when the provider is 'ollama'.", Assert.Single(error.Failures));
        Assert.DoesNotContain("do-not-print", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ollama_provider_without_its_package_names_the_package_and_the_call()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("LlmStack:Chat:Provider", "ollama"), new("LlmStack:Chat:Model", "llama3.2")])
            .Build();

        Exception error = Record.Exception(() => new ServiceCollection().AddLlmStack(configuration).Services.BuildServiceProvider().GetRequiredService<IChatClient>())!;

        Assert.Contains("Llm.Stack.Ollama", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddOllamaProvider()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_package_README_snippet_answers_through_the_server()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([
                new("LlmStack:Chat:Provider", "ollama"),
                new("LlmStack:Chat:Endpoint", _server.BaseAddress.ToString()),
                new("LlmStack:Chat:Model", "llama3.2")])
            .Build();
        var services = new ServiceCollection();

        // README: src/Llm.Stack.Ollama/README.md
        // appsettings.json:
        // { "LlmStack": { "Chat": { "Provider": "ollama", "Model": "llama3.2" },
        //                 "Embeddings": { "Provider": "ollama", "Model": "nomic-embed-text" } } }
        services.AddLlmStack(configuration)
                .AddOllamaProvider();                       // registers the provider name "ollama" for chat and embeddings
        await using ServiceProvider provider = services.BuildServiceProvider();

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await chat.GetResponseAsync("Which volcano in Iceland erupted in 2010?");
        // README: end

        Assert.Equal("You asked: Which volcano in Iceland erupted in 2010?", response.Text);
        Assert.Equal("llama3.2", _server.Requests.Single().Body["model"]!.GetValue<string>());
    }
}
