using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// What every chat provider package does through <c>services.AddLlmStack(configuration)</c>, tested against its protocol
/// server on 127.0.0.1 (which answers <c>You asked: {question}</c> with 5 input and 3 output tokens, streamed word by
/// word): the configured model answers with usage and a finish reason, streams one update per piece, reports its provider
/// and model through <c>GetService</c>, a missing model fails inside <c>AddLlmStack</c> without printing the key, and
/// the provider without its package names the package and the call to add. A provider's test class derives from it,
/// says how to register the provider, and adds the tests of what only that provider does.
/// </summary>
/// <typeparam name="TServer">The provider's protocol server.</typeparam>
public abstract class ChatProviderContractTests<TServer> : IDisposable
    where TServer : LoopbackProtocolServer, new()
{
    /// <summary>The model every test configures.</summary>
    protected const string Model = "test-model";

    /// <summary>Gets the protocol server, started for each test.</summary>
    protected TServer Server { get; } = new();

    /// <summary>Gets the provider's name, the value of <c>LlmStack:Chat:Provider</c>.</summary>
    protected abstract string ProviderName { get; }

    /// <summary>Gets the package that registers the provider and its registration call, such as <c>AddOllamaProvider()</c>.</summary>
    protected abstract (string Package, string Call) Registration { get; }

    /// <summary>Gets the path of the protocol's chat requests, such as <c>/api/chat</c>.</summary>
    protected abstract string ChatPath { get; }

    /// <summary>Gets the settings the provider needs beside <c>Provider</c>, <c>Endpoint</c> and <c>Model</c> (such as a key).</summary>
    protected virtual IEnumerable<(string Key, string Value)> RequiredSettings => [];

    /// <inheritdoc />
    public void Dispose()
    {
        Server.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Registers the provider on the stack.</summary>
    /// <param name="stack">The stack builder.</param>
    /// <returns>The builder.</returns>
    protected abstract LlmStackBuilder AddProvider(LlmStackBuilder stack);

    /// <summary>Builds a service provider whose chat model is the provider at <see cref="Server"/>, with <paramref name="extra"/> settings over the defaults.</summary>
    /// <param name="extra">More settings, such as <c>("LlmStack:Chat:MaxOutputTokens", "300")</c>.</param>
    /// <returns>The service provider.</returns>
    protected ServiceProvider Build(params (string Key, string Value)[] extra)
    {
        var services = new ServiceCollection();
        AddProvider(services.AddLlmStack(Configuration(
        [
            ("LlmStack:Chat:Provider", ProviderName),
            ("LlmStack:Chat:Endpoint", Server.BaseAddress.ToString()),
            ("LlmStack:Chat:Model", Model),
            .. RequiredSettings,
            .. extra,
        ])));
        return services.BuildServiceProvider();
    }

    /// <summary>An in-memory configuration of the settings; a key given twice takes its last value.</summary>
    /// <param name="settings">The keys and values.</param>
    /// <returns>The configuration.</returns>
    protected static IConfiguration Configuration(IEnumerable<(string Key, string Value)> settings)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string value) in settings)
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    [Fact]
    public async Task Chat_answers_through_the_protocol_with_the_configured_model_usage_and_finish_reason()
    {
        await using ServiceProvider provider = Build();

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Which volcano erupted in 2010?");

        Assert.Equal("You asked: Which volcano erupted in 2010?", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        (string path, _, System.Text.Json.Nodes.JsonNode body) = Assert.Single(Server.Requests);
        Assert.Equal(ChatPath, path);
        Assert.Equal(Model, body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chat_streams_each_piece_as_an_update_with_the_finish_reason()
    {
        await using ServiceProvider provider = Build();

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync("stream this please"))
        {
            updates.Add(update);
        }

        Assert.Equal(5, updates.Count(u => u.Text.Length > 0));
        Assert.Equal("You asked: stream this please", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates.Last(u => u.FinishReason is not null).FinishReason);
        Assert.True(Assert.Single(Server.Requests).Body["stream"]!.GetValue<bool>());
    }

    [Fact]
    public void The_client_reports_its_provider_and_model_through_GetService()
    {
        using ServiceProvider provider = Build();

        var metadata = Assert.IsType<ChatClientMetadata>(provider.GetRequiredService<IChatClient>().GetService(typeof(ChatClientMetadata)));

        Assert.Equal(ProviderName, metadata.ProviderName);
        Assert.Equal(Model, metadata.DefaultModelId);
    }

    [Fact]
    public void A_missing_model_fails_inside_AddLlmStack_naming_the_key_and_never_printing_the_key()
    {
        IConfiguration configuration = Configuration([("LlmStack:Chat:Provider", ProviderName), ("LlmStack:Chat:ApiKey", "key-do-not-print")]);

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => AddProvider(new ServiceCollection().AddLlmStack(configuration)));

        Assert.Equal($"LlmStack:Chat:Model is required when the provider is '{ProviderName}'.", Assert.Single(error.Failures));
        Assert.DoesNotContain("key-do-not-print", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_provider_without_its_package_names_the_package_and_the_call()
    {
        IConfiguration configuration = Configuration([("LlmStack:Chat:Provider", ProviderName), ("LlmStack:Chat:Model", Model), .. RequiredSettings]);
        using ServiceProvider provider = new ServiceCollection().AddLlmStack(configuration).Services.BuildServiceProvider();

        Exception error = Record.Exception(() => provider.GetRequiredService<IChatClient>())!;

        Assert.Contains(Registration.Package, error.Message, StringComparison.Ordinal);
        Assert.Contains(Registration.Call, error.Message, StringComparison.Ordinal);
    }
}
