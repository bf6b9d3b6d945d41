using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.OpenAI.Tests.Routing;

/// <summary>
/// The set-up the router tests share: one <see cref="FaultInjectingOpenAIServer"/> on 127.0.0.1 per named chat model, the
/// configuration of those models (<c>LlmStack:ChatModels:&lt;name&gt;</c>, provider <c>openai</c>, model id
/// <c>model-&lt;name&gt;</c>) with the first one as <c>LlmStack:Router:DefaultModel</c>, and a service provider whose
/// chat client is <c>UseModelRouter(...)</c> over the default model.
/// </summary>
/// <remarks>A test class starts one per test (its <c>InitializeAsync</c>), so each test sees servers that no other test called.</remarks>
internal sealed class RoutedModelServers : IAsyncDisposable
{
    private readonly string[] _names;
    private readonly FaultInjectingOpenAIServer[] _servers;

    private RoutedModelServers(string[] names, FaultInjectingOpenAIServer[] servers)
    {
        _names = names;
        _servers = servers;
    }

    /// <summary>Gets the router's default model: the first name given to <see cref="StartAsync"/>.</summary>
    public string DefaultModel => _names[0];

    /// <summary>Gets the server of the model <paramref name="name"/>.</summary>
    public FaultInjectingOpenAIServer this[string name] => _servers[Array.IndexOf(_names, name) is int i and >= 0 ? i : throw new ArgumentException($"No model is named '{name}'.", nameof(name))];

    /// <summary>Starts a server for each model name; the first is the router's default model.</summary>
    public static async Task<RoutedModelServers> StartAsync(params string[] names)
    {
        var servers = new FaultInjectingOpenAIServer[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            servers[i] = await FaultInjectingOpenAIServer.StartAsync();
        }

        return new RoutedModelServers(names, servers);
    }

    /// <summary>The answer's <see cref="FailoverChatClientBuilderExtensions.AnsweredByKey"/>: the named model that answered.</summary>
    public static object? AnsweredBy(ChatResponse response) => response.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey];

    /// <summary>The configuration of the models (provider, endpoint, model id) and the router's default model; a test adds its own keys.</summary>
    public Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>();
        for (int i = 0; i < _names.Length; i++)
        {
            string prefix = "LlmStack:ChatModels:" + _names[i] + ":";
            settings[prefix + "Provider"] = "openai";
            settings[prefix + "Endpoint"] = _servers[i].Endpoint.ToString();
            settings[prefix + "Model"] = "model-" + _names[i];
        }

        settings["LlmStack:Router:DefaultModel"] = DefaultModel;
        return settings;
    }

    /// <summary>
    /// A service provider of <c>AddLlmStack(configuration).AddOpenAIProvider()</c> over <paramref name="settings"/>, with
    /// <paramref name="stack"/>'s registrations, whose chat client is <c>UseModelRouter(configure)</c> over the default model.
    /// </summary>
    public ServiceProvider Build(Dictionary<string, string?> settings, Action<ModelRouterOptions>? configure = null, Action<LlmStackBuilder>? stack = null)
    {
        var services = new ServiceCollection();
        LlmStackBuilder builder = services.AddLlmStack(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).AddOpenAIProvider();
        stack?.Invoke(builder);
        string defaultModel = DefaultModel;
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>(defaultModel)).UseModelRouter(configure);
        return services.BuildServiceProvider();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (FaultInjectingOpenAIServer server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
