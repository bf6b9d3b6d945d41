using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Ollama.Tests;

/// <summary>
/// The <c>ollama</c> provider through <c>AddLlmStack(configuration)</c>, against a real Ollama-protocol server on 127.0.0.1:
/// the tests every chat provider passes (<see cref="ChatProviderContractTests{TServer}"/>), and Ollama's own (embeddings,
/// an optional key for a proxy).
/// </summary>
public sealed class OllamaProviderTests : ChatProviderContractTests<OllamaProtocolServer>
{
    protected override string ProviderName => "ollama";

    protected override (string Package, string Call) Registration => ("Llm.Stack.Ollama", "AddOllamaProvider()");

    protected override string ChatPath => "/api/chat";

    protected override LlmStackBuilder AddProvider(LlmStackBuilder stack) => stack.AddOllamaProvider();

    [Fact]
    public async Task Chat_sends_no_key_unless_configured_and_the_provider_name_ignores_case()
    {
        await using ServiceProvider provider = Build(("LlmStack:Chat:Provider", "Ollama"));

        await provider.GetRequiredService<IChatClient>().GetResponseAsync("Which volcano erupted in 2010?");

        (_, string? authorization, var body) = Assert.Single(Server.Requests);
        Assert.Null(authorization);
        Assert.Equal("user", body["messages"]![0]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_api_key_from_configuration_is_sent_as_a_bearer_token()
    {
        await using ServiceProvider provider = Build(("LlmStack:Chat:ApiKey", "proxy-key"));

        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("Bearer proxy-key", Assert.Single(Server.Requests).Authorization);
    }

    [Fact]
    public async Task Embeddings_provider_ollama_embeds_through_api_embed_and_forwards_its_metadata()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Configuration([
            ("LlmStack:Embeddings:Provider", "ollama"),
            ("LlmStack:Embeddings:Endpoint", Server.BaseAddress.ToString()),
            ("LlmStack:Embeddings:Model", "nomic-embed-text")])).AddOllamaProvider();
        await using ServiceProvider provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(["volcano", "ash"]);

        Assert.Equal([7f, 3f, 1f], embeddings[0].Vector.ToArray());
        Assert.Equal([3f, 1f, 1f], embeddings[1].Vector.ToArray());
        var request = Assert.Single(Server.Requests);
        Assert.Equal("/api/embed", request.Path);
        Assert.Equal("nomic-embed-text", request.Body["model"]!.GetValue<string>());
        var metadata = Assert.IsType<EmbeddingGeneratorMetadata>(generator.GetService(typeof(EmbeddingGeneratorMetadata)));
        Assert.Equal("ollama", metadata.ProviderName);
        Assert.Equal("nomic-embed-text", metadata.DefaultModelId);
        Assert.Equal(Server.BaseAddress, metadata.ProviderUri);
    }

    [Fact]
    public async Task The_package_README_snippet_answers_through_the_server()
    {
        IConfiguration configuration = Configuration([
            ("LlmStack:Chat:Provider", "ollama"),
            ("LlmStack:Chat:Endpoint", Server.BaseAddress.ToString()),
            ("LlmStack:Chat:Model", "llama3.2")]);
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
        Assert.Equal("llama3.2", Server.Requests.Single().Body["model"]!.GetValue<string>());
    }
}
