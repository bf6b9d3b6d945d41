using System.ClientModel;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.OpenAI.Tests.Routing;

/// <summary>
/// Named models of configuration (<c>LlmStack:ChatModels:&lt;name&gt;</c>, provider <c>openai</c>) against two Kestrel servers on
/// 127.0.0.1 that inject faults: each keyed client calls its own endpoint and model, its retries are the ones its
/// <c>Resilience</c> keys set, and <c>UseFailover</c> moves between them by name.
/// </summary>
public sealed class NamedModelTests : IAsyncLifetime
{
    private FaultInjectingOpenAIServer _first = null!;
    private FaultInjectingOpenAIServer _second = null!;

    public async Task InitializeAsync()
    {
        _first = await FaultInjectingOpenAIServer.StartAsync();
        _second = await FaultInjectingOpenAIServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Configuration()).AddOpenAIProvider();
        return services.BuildServiceProvider();
    }

    private IConfiguration Configuration() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:primary:Provider"] = "openai",
            ["LlmStack:ChatModels:primary:Endpoint"] = _first.Endpoint.ToString(),
            ["LlmStack:ChatModels:primary:Model"] = "model-one",
            ["LlmStack:ChatModels:primary:Resilience:MaxRetries"] = "2",
            ["LlmStack:ChatModels:primary:Resilience:BaseDelay"] = "00:00:00.010",
            ["LlmStack:ChatModels:primary:Resilience:UseCircuitBreaker"] = "false",
            ["LlmStack:ChatModels:backup:Provider"] = "openai",
            ["LlmStack:ChatModels:backup:Endpoint"] = _second.Endpoint.ToString(),
            ["LlmStack:ChatModels:backup:Model"] = "model-two",
            ["LlmStack:ChatModels:backup:Resilience:MaxRetries"] = "0",
        }).Build();

    [Fact]
    public async Task Each_named_model_calls_its_own_endpoint_and_model()
    {
        await using ServiceProvider provider = Build();

        ChatResponse one = await provider.GetRequiredKeyedService<IChatClient>("primary").GetResponseAsync("Where is Hekla?");
        ChatResponse two = await provider.GetRequiredKeyedService<IChatClient>("backup").GetResponseAsync("Where is Katla?");

        Assert.Equal(("model-one", "You asked: Where is Hekla?"), (one.ModelId, one.Text));
        Assert.Equal(("model-two", "You asked: Where is Katla?"), (two.ModelId, two.Text));
        Assert.Single(_first.Requests);
        Assert.Single(_second.Requests);
    }

    [Fact]
    public async Task A_named_models_retries_are_those_its_resilience_keys_set()
    {
        await using ServiceProvider provider = Build();
        _first.Enqueue(new ChatFault(Status: 429), new ChatFault(Status: 500));
        _second.Enqueue(new ChatFault(Status: 500));

        ChatResponse one = await provider.GetRequiredKeyedService<IChatClient>("primary").GetResponseAsync("Where is Hekla?");
        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => provider.GetRequiredKeyedService<IChatClient>("backup").GetResponseAsync("Where is Katla?"));

        Assert.Equal("You asked: Where is Hekla?", one.Text);
        Assert.Equal(3, _first.Requests.Count); // two faults retried (MaxRetries 2), and the official client retried none of them
        Assert.Equal(500, error.Status);
        Assert.Single(_second.Requests); // MaxRetries 0
    }

    [Fact]
    public async Task UseFailover_moves_between_the_configured_models_by_name()
    {
        IConfiguration configuration = Configuration();
        var services = new ServiceCollection();
        // README: Named models
        services.AddLlmStack(configuration).AddOpenAIProvider();
        services.AddChatClient(sp => sp.GetRequiredKeyedService<IChatClient>("primary")).UseFailover("primary", "backup");
        // README: end
        await using ServiceProvider provider = services.BuildServiceProvider();
        _first.Enqueue(new ChatFault(Status: 503), new ChatFault(Status: 503), new ChatFault(Status: 503));

        var text = new System.Text.StringBuilder();
        var answeredBy = new HashSet<object?>();
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync("Which volcano erupted in 2010?"))
        {
            text.Append(update.Text);
            answeredBy.Add(update.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        }

        Assert.Equal("You asked: Which volcano erupted in 2010?", text.ToString());
        Assert.Equal("backup", Assert.Single(answeredBy));
        Assert.Equal(3, _first.Requests.Count);
        Assert.Single(_second.Requests);
    }
}
