using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.OpenAI.Tests;

public sealed class OpenAIProviderTests : IDisposable
{
    private readonly OpenAIProtocolServer _server = new();

    public void Dispose() => _server.Dispose();

    private static ServiceProvider Build(params (string Key, string Value)[] extra)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(extra.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Chat_provider_openai_answers_through_the_configured_endpoint_model_and_key()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Chat:Provider", "openai"),
            ("LlmStack:Chat:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:Chat:Model", "tiny-chat"),
            ("LlmStack:Chat:ApiKey", "sk-test-key"));

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Which volcano erupted in 2010?");

        Assert.Equal("You asked: Which volcano erupted in 2010?", response.Text);
        Assert.Equal(8, response.Usage?.TotalTokenCount);
        (string path, string? authorization, var body) = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal("Bearer sk-test-key", authorization);
        Assert.Equal("tiny-chat", body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chat_streams_from_the_endpoint()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Chat:Provider", "OpenAI"),
            ("LlmStack:Chat:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:Chat:Model", "tiny-chat"));

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync("stream this please"))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 4);
        Assert.Equal("You asked: stream this please", string.Concat(updates.Select(u => u.Text)));
        Assert.True(_server.Requests.Single().Body["stream"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Embeddings_provider_openai_embeds_through_the_endpoint()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Embeddings:Provider", "openai"),
            ("LlmStack:Embeddings:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:Embeddings:Model", "tiny-embed"));

        GeneratedEmbeddings<Embedding<float>> embeddings = await provider
            .GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()
            .GenerateAsync(["volcano", "ash"]);

        Assert.Equal([7f, 3f, 1f], embeddings[0].Vector.ToArray());
        Assert.Equal([3f, 1f, 1f], embeddings[1].Vector.ToArray());
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/embeddings", request.Path);
        Assert.Equal("tiny-embed", request.Body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_query_embedding_sends_no_trace_of_the_query_mark_to_the_endpoint()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Embeddings:Provider", "openai"),
            ("LlmStack:Embeddings:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:Embeddings:Model", "tiny-embed"));

        await provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["volcano"], EmbeddingPurpose.ForQuery());

        string body = Assert.Single(_server.Requests).Body.ToJsonString();
        Assert.DoesNotContain(EmbeddingPurpose.PropertyName, body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"query\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAI_embedding_models_report_their_input_limits_and_other_models_none()
    {
        await using ServiceProvider provider = Build(
            ("LlmStack:Embeddings:Provider", "openai"),
            ("LlmStack:Embeddings:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:Embeddings:Model", "text-embedding-3-small"),
            ("LlmStack:EmbeddingModels:large:Provider", "openai"),
            ("LlmStack:EmbeddingModels:large:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:EmbeddingModels:large:Model", "text-embedding-3-large"),
            ("LlmStack:EmbeddingModels:local:Provider", "openai"),
            ("LlmStack:EmbeddingModels:local:Endpoint", _server.Endpoint.ToString()),
            ("LlmStack:EmbeddingModels:local:Model", "nomic-embed-text"));

        // Through every layer the stack puts around the configured generators (GetService is forwarded).
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        EmbeddingInputLimits limits = Assert.IsType<EmbeddingInputLimits>(generator.GetService(typeof(EmbeddingInputLimits)));
        Assert.Equal(8191, limits.MaxInputTokens);
        Assert.Equal(4, limits.Tokenizer.CountTokens("The volcano erupted."));
        Assert.Single(await generator.GenerateAsync(["still embeds through the endpoint"]));

        var large = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("large");
        Assert.Equal(8191, Assert.IsType<EmbeddingInputLimits>(large.GetService(typeof(EmbeddingInputLimits))).MaxInputTokens);

        // A model the provider knows nothing about (served by vLLM, llama.cpp, Ollama): no limits are made up.
        var local = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("local");
        Assert.Null(local.GetService(typeof(EmbeddingInputLimits)));
    }

    [Fact]
    public void Missing_endpoint_fails_inside_AddLlmStack_naming_the_key()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("LlmStack:Chat:Provider", "openai"), new("LlmStack:Chat:Model", "m"), new("LlmStack:Chat:ApiKey", "sk-do-not-print")])
            .Build();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(configuration).AddOpenAIProvider());

        Assert.Equal("LlmStack:Chat:Endpoint is required when the provider is 'openai'.", Assert.Single(error.Failures));
        Assert.DoesNotContain("sk-do-not-print", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chat_client_registered_in_code_wins_over_the_configured_provider()
    {
        using var local = new ExtractiveEchoClient();
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([
                new("LlmStack:Chat:Provider", "openai"),
                new("LlmStack:Chat:Endpoint", _server.Endpoint.ToString()),
                new("LlmStack:Chat:Model", "tiny-chat")])
            .Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider().AddChatClient(local);
        await using ServiceProvider provider = services.BuildServiceProvider();

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("local: hi", response.Text);
        Assert.Empty(_server.Requests);
    }

    private sealed class ExtractiveEchoClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "local: " + messages.Last().Text)));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
