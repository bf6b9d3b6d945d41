using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Anthropic.Tests;

/// <summary>The <c>anthropic</c> provider through <c>AddLlmStack(configuration)</c>, against a real Messages-protocol server on 127.0.0.1.</summary>
public sealed class AnthropicProviderTests : IDisposable
{
    private readonly AnthropicProtocolServer _server = new();

    public void Dispose() => _server.Dispose();

    private ServiceProvider Build(params (string Key, string Value)[] extra)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new (string Key, string Value)[]
                {
                    ("LlmStack:Chat:Provider", "anthropic"),
                    ("LlmStack:Chat:Endpoint", _server.BaseAddress.ToString()),
                    ("LlmStack:Chat:Model", "claude-test"),
                }
                .Concat(extra)
                .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddAnthropicProvider();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Chat_provider_anthropic_answers_through_the_messages_api_with_the_configured_model_key_and_answer_length()
    {
        await using ServiceProvider provider = Build(("LlmStack:Chat:ApiKey", "sk-ant-test"), ("LlmStack:Chat:MaxOutputTokens", "300"));

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Answer briefly."), new ChatMessage(ChatRole.User, "Which volcano erupted in 2010?")]);

        Assert.Equal("You asked: Which volcano erupted in 2010?", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        (string path, string? authorization, var body) = Assert.Single(_server.Requests);
        Assert.Equal("/v1/messages", path);
        Assert.Equal("Bearer sk-ant-test", authorization);
        Assert.NotNull(_server.Headers.Single()["anthropic-version"]);
        Assert.Equal("claude-test", body["model"]!.GetValue<string>());
        Assert.Equal(300, body["max_tokens"]!.GetValue<int>());
        Assert.Contains("Answer briefly.", body["system"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Single(body["messages"]!.AsArray());
    }

    [Fact]
    public async Task Chat_streams_each_text_delta_as_an_update_with_the_stop_reason_and_usage()
    {
        await using ServiceProvider provider = Build(("LlmStack:Chat:ApiKey", "sk-ant-test"));

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync("stream this please"))
        {
            updates.Add(update);
        }

        Assert.Equal(5, updates.Count(u => u.Text.Length > 0));
        Assert.Equal("You asked: stream this please", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates.Last(u => u.FinishReason is not null).FinishReason);
        Assert.Contains(updates.SelectMany(u => u.Contents).OfType<UsageContent>(), u => u.Details.OutputTokenCount == 3);
        Assert.True(_server.Requests.Single().Body["stream"]!.GetValue<bool>());
        Assert.Equal(AnthropicProviderLlmStackBuilderExtensions.DefaultMaxOutputTokens, _server.Requests.Single().Body["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public void The_client_reports_its_provider_and_model_through_GetService()
    {
        using ServiceProvider provider = Build(("LlmStack:Chat:ApiKey", "sk-ant-test"));

        var metadata = Assert.IsType<ChatClientMetadata>(provider.GetRequiredService<IChatClient>().GetService(typeof(ChatClientMetadata)));

        Assert.Equal("anthropic", metadata.ProviderName);
        Assert.Equal("claude-test", metadata.DefaultModelId);
    }

    [Fact]
    public void A_missing_key_fails_inside_AddLlmStack_naming_the_key_and_the_environment_variable()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")), "the test needs ANTHROPIC_API_KEY unset");

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => Build());

        Assert.Equal("LlmStack:Chat:ApiKey is required when the provider is 'anthropic' (or set the ANTHROPIC_API_KEY environment variable).", Assert.Single(error.Failures));
    }

    [Fact]
    public void A_missing_model_fails_inside_AddLlmStack_and_never_prints_the_key()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("LlmStack:Chat:Provider", "anthropic"), new("LlmStack:Chat:ApiKey", "sk-ant-do-not-print")])
            .Build();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(configuration).AddAnthropicProvider());

        Assert.Equal("LlmStack:Chat:Model is required when the provider is 'anthropic'.", Assert.Single(error.Failures));
        Assert.DoesNotContain("sk-ant-do-not-print", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_servers_authentication_error_surfaces_without_the_key()
    {
        await using ServiceProvider provider = Build(("LlmStack:Chat:ApiKey", "sk-ant-test"));
        IChatClient client = provider.GetRequiredService<IChatClient>();
        _server.RequireKey = "another-key";

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("hi"));

        Assert.Contains("Unauthorized", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-ant-test", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_package_README_snippet_answers_through_the_server()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([
                new("LlmStack:Chat:Provider", "anthropic"),
                new("LlmStack:Chat:Endpoint", _server.BaseAddress.ToString()),
                new("LlmStack:Chat:Model", "claude-sonnet-4-5"),
                new("LlmStack:Chat:ApiKey", "sk-ant-test"),
                new("LlmStack:Chat:MaxOutputTokens", "1024")])
            .Build();
        var services = new ServiceCollection();

        // README: src/Llm.Stack.Anthropic/README.md
        // appsettings.json (the key from ANTHROPIC_API_KEY, or LlmStack:Chat:ApiKey):
        // { "LlmStack": { "Chat": { "Provider": "anthropic", "Model": "claude-sonnet-4-5", "MaxOutputTokens": 1024 } } }
        services.AddLlmStack(configuration)
                .AddAnthropicProvider();                    // registers the provider name "anthropic" for chat
        await using ServiceProvider provider = services.BuildServiceProvider();

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await chat.GetResponseAsync("Which volcano in Iceland erupted in 2010?");
        // README: end

        Assert.Equal("You asked: Which volcano in Iceland erupted in 2010?", response.Text);
        Assert.Equal(1024, _server.Requests.Single().Body["max_tokens"]!.GetValue<int>());
    }
}
