using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Anthropic.Tests;

/// <summary>
/// The <c>anthropic</c> provider through <c>AddLlmStack(configuration)</c>, against a real Messages-protocol server on
/// 127.0.0.1: the tests every chat provider passes (<see cref="ChatProviderContractTests{TServer}"/>), and the Messages API's own
/// (the key, the API version, the system prompt, the required answer length).
/// </summary>
public sealed class AnthropicProviderTests : ChatProviderContractTests<AnthropicProtocolServer>
{
    protected override string ProviderName => "anthropic";

    protected override (string Package, string Call) Registration => ("Llm.Stack.Anthropic", "AddAnthropicProvider()");

    protected override string ChatPath => "/v1/messages";

    protected override IEnumerable<(string Key, string Value)> RequiredSettings => [("LlmStack:Chat:ApiKey", "sk-ant-test")];

    protected override LlmStackBuilder AddProvider(LlmStackBuilder stack) => stack.AddAnthropicProvider();

    [Fact]
    public async Task Chat_sends_the_key_the_api_version_the_system_prompt_and_the_configured_answer_length()
    {
        await using ServiceProvider provider = Build(("LlmStack:Chat:MaxOutputTokens", "300"));

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Answer briefly."), new ChatMessage(ChatRole.User, "Which volcano erupted in 2010?")]);

        Assert.Equal("You asked: Which volcano erupted in 2010?", response.Text);
        (_, string? authorization, var body) = Assert.Single(Server.Requests);
        Assert.Equal("Bearer sk-ant-test", authorization);
        Assert.NotNull(Server.Headers.Single()["anthropic-version"]);
        Assert.Equal(300, body["max_tokens"]!.GetValue<int>());
        Assert.Contains("Answer briefly.", body["system"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Single(body["messages"]!.AsArray());
    }

    [Fact]
    public async Task Without_MaxOutputTokens_the_default_answer_length_is_sent()
    {
        await using ServiceProvider provider = Build();

        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal(AnthropicProviderLlmStackBuilderExtensions.DefaultMaxOutputTokens, Server.Requests.Single().Body["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public void A_missing_key_fails_inside_AddLlmStack_naming_the_key_and_the_environment_variable()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")), "the test needs ANTHROPIC_API_KEY unset");
        IConfiguration configuration = Configuration([("LlmStack:Chat:Provider", "anthropic"), ("LlmStack:Chat:Model", Model)]);

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(configuration).AddAnthropicProvider());

        Assert.Equal("LlmStack:Chat:ApiKey is required when the provider is 'anthropic' (or set the ANTHROPIC_API_KEY environment variable).", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task The_servers_authentication_error_surfaces_without_the_key()
    {
        await using ServiceProvider provider = Build();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        Server.RequireKey = "another-key";

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync("hi"));

        Assert.Contains("Unauthorized", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-ant-test", error.ToString(), StringComparison.Ordinal);
        Assert.Single(Server.Requests); // an authentication error is not retried
    }

    [Fact]
    public async Task The_package_README_snippet_answers_through_the_server()
    {
        IConfiguration configuration = Configuration([
            ("LlmStack:Chat:Provider", "anthropic"),
            ("LlmStack:Chat:Endpoint", Server.BaseAddress.ToString()),
            ("LlmStack:Chat:Model", "claude-sonnet-4-5"),
            ("LlmStack:Chat:ApiKey", "sk-ant-test"),
            ("LlmStack:Chat:MaxOutputTokens", "1024")]);
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
        Assert.Equal(1024, Server.Requests.Single().Body["max_tokens"]!.GetValue<int>());
    }
}
