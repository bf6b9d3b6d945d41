using System.ClientModel;
using System.ClientModel.Primitives;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace Llm.Stack.OpenAI.Tests.Routing;

/// <summary>
/// <c>UseFailover(...)</c> (Microsoft.Extensions.AI's ordered failover, with named models) over official OpenAI clients (each with <c>UseLlmResilience</c>, no retries) against three
/// Kestrel servers on 127.0.0.1 that inject faults: the order models are tried in, that a model is left only before
/// its first streamed update, and which model the answer records.
/// </summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private readonly FaultInjectingOpenAIServer[] _servers = new FaultInjectingOpenAIServer[3];

    private FaultInjectingOpenAIServer A => _servers[0];

    private FaultInjectingOpenAIServer B => _servers[1];

    private FaultInjectingOpenAIServer C => _servers[2];

    public async Task InitializeAsync()
    {
        for (int i = 0; i < _servers.Length; i++)
        {
            _servers[i] = await FaultInjectingOpenAIServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (FaultInjectingOpenAIServer server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private static IChatClient Model(FaultInjectingOpenAIServer server, string model) =>
        new ChatClientBuilder(new OpenAIClient(
                new ApiKeyCredential("test-key"),
                new OpenAIClientOptions { Endpoint = server.Endpoint, RetryPolicy = new ClientRetryPolicy(0) })
            .GetChatClient(model).AsIChatClient())
        .UseLlmResilience(o =>
        {
            o.MaxRetries = 0;
            o.UseCircuitBreaker = false;
        })
        .Build();

    private IChatClient Failover()
    {
        var services = new ServiceCollection();
        services.AddKeyedChatClient("b", _ => Model(B, "model-b"));
        services.AddKeyedChatClient("c", _ => Model(C, "model-c"));
        return new ChatClientBuilder(Model(A, "model-a")).UseFailover("a", "b", "c").Build(services.BuildServiceProvider());
    }

    [Fact]
    public async Task The_first_model_answers_when_it_can_and_the_answer_names_it()
    {
        ChatResponse response = await Failover().GetResponseAsync("Where is Hekla?");

        Assert.Equal("You asked: Where is Hekla?", response.Text);
        Assert.Equal("a", response.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        Assert.Single(A.Requests);
        Assert.Empty(B.Requests);
    }

    [Fact]
    public async Task Failing_models_are_left_in_order_until_one_answers()
    {
        A.Enqueue(new ChatFault(Status: 500));
        B.Enqueue(new ChatFault(Status: 429, RetryAfter: TimeSpan.FromSeconds(30)));

        ChatResponse response = await Failover().GetResponseAsync("Where is Hekla?");

        Assert.Equal("You asked: Where is Hekla?", response.Text);
        Assert.Equal("c", response.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        Assert.Equal("model-c", response.ModelId);
        DateTimeOffset a = Assert.Single(A.Requests), b = Assert.Single(B.Requests), c = Assert.Single(C.Requests);
        Assert.True(a <= b && b <= c);
    }

    [Fact]
    public async Task A_stream_that_fails_before_its_first_update_moves_to_the_next_model_which_streams_whole()
    {
        A.Enqueue(new ChatFault(Status: 503));
        B.Enqueue(new ChatFault(EndAfterPieces: 0)); // ends before any output: not an answer either

        var text = new System.Text.StringBuilder();
        var answeredBy = new HashSet<object?>();
        await foreach (ChatResponseUpdate update in Failover().GetStreamingResponseAsync("Which volcano erupted in 2010?"))
        {
            text.Append(update.Text);
            answeredBy.Add(update.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        }

        Assert.Equal("You asked: Which volcano erupted in 2010?", text.ToString());
        Assert.Equal("c", Assert.Single(answeredBy));
        Assert.Equal([1, 1, 1], _servers.Select(s => s.Requests.Count));
    }

    [Fact]
    public async Task Once_a_model_has_streamed_output_its_fault_reaches_the_caller_and_no_other_model_is_asked()
    {
        var cut = new TaskCompletionSource();
        A.Enqueue(new ChatFault(CutAfterPieces: 2, CutWhen: cut.Task));
        var text = new System.Text.StringBuilder();
        int updates = 0;

        await Assert.ThrowsAsync<IncompleteChatStreamException>(async () =>
        {
            await foreach (ChatResponseUpdate update in Failover().GetStreamingResponseAsync("Which volcano erupted in 2010?"))
            {
                text.Append(update.Text);
                if (++updates == 2)
                {
                    cut.SetResult();
                }
            }
        });

        Assert.Equal("You asked:", text.ToString());
        Assert.Single(A.Requests);
        Assert.Empty(B.Requests);
        Assert.Empty(C.Requests);
    }

    [Fact]
    public async Task When_every_model_fails_the_last_models_fault_reaches_the_caller()
    {
        A.Enqueue(new ChatFault(Status: 500));
        B.Enqueue(new ChatFault(Status: 400));
        C.Enqueue(new ChatFault(Status: 502));

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Failover().GetResponseAsync("Hello?"));

        Assert.Equal(502, error.Status);
        Assert.Equal([1, 1, 1], _servers.Select(s => s.Requests.Count));
    }

    [Fact]
    public async Task The_callers_cancellation_does_not_move_to_the_next_model()
    {
        A.Enqueue(new ChatFault(Delay: TimeSpan.FromSeconds(20)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Failover().GetResponseAsync("Hello?", cancellationToken: cancel.Token));

        Assert.Empty(B.Requests);
    }

    [Fact]
    public async Task UseFailover_takes_the_fallbacks_from_keyed_chat_clients_in_the_given_order()
    {
        var services = new ServiceCollection();
        services.AddKeyedChatClient("backup", _ => Model(B, "model-b"));
        services.AddKeyedChatClient("last", _ => Model(C, "model-c"));
        services.AddChatClient(_ => Model(A, "model-a")).UseFailover("primary", "last", "backup");
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        A.Enqueue(new ChatFault(Status: 500));

        ChatResponse response = await chat.GetResponseAsync("Hello?");

        Assert.Equal("last", response.AdditionalProperties?[FailoverChatClientBuilderExtensions.AnsweredByKey]);
        Assert.Empty(B.Requests);
        Assert.Single(C.Requests);
    }

    [Fact]
    public void Bad_model_lists_are_refused_naming_the_argument()
    {
        IChatClient model = Model(A, "model-a");
        Assert.Throws<ArgumentException>("fallbackModels", () => new ChatClientBuilder(model).UseFailover("a"));
        Assert.Throws<ArgumentException>("fallbackModels", () => new ChatClientBuilder(model).UseFailover("a", "a"));
        Assert.Throws<ArgumentException>("fallbackModels", () => new ChatClientBuilder(model).UseFailover("a", "b", " "));
        Assert.Throws<ArgumentException>("primaryName", () => new ChatClientBuilder(model).UseFailover(" ", "b"));
        Assert.Throws<ArgumentNullException>("builder", () => ((ChatClientBuilder)null!).UseFailover("a", "b"));
    }
}
