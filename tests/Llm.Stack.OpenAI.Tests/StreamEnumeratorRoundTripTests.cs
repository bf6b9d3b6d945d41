using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.OpenAI.Tests;

/// <summary>
/// The configured model's stream (usage ledger over resilience over the official OpenAI client) against a Kestrel server
/// on 127.0.0.1, with a step still waiting on the network: disposing then is refused and loses nothing; cancelling then
/// ends the stream once, recorded once, never retried.
/// </summary>
public sealed class StreamEnumeratorRoundTripTests : IAsyncLifetime
{
    private FaultInjectingOpenAIServer _server = null!;

    public async Task InitializeAsync() => _server = await FaultInjectingOpenAIServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Disposing_while_the_first_update_is_on_its_way_is_refused_and_the_answer_still_arrives_whole()
    {
        await using ServiceProvider provider = Build();
        IChatClient chat = provider.GetRequiredKeyedService<IChatClient>("fast");
        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromMilliseconds(300)));
        IAsyncEnumerator<ChatResponseUpdate> updates = chat.GetStreamingResponseAsync("Where is Hekla?").GetAsyncEnumerator();

        ValueTask<bool> first = updates.MoveNextAsync();
        Assert.False(first.IsCompleted);
        Task? disposal = null;
        Assert.Throws<NotSupportedException>(() => { disposal = updates.DisposeAsync().AsTask(); });
        Assert.Null(disposal);

        var text = new System.Text.StringBuilder();
        for (bool more = await first; more; more = await updates.MoveNextAsync())
        {
            text.Append(updates.Current.Text);
        }

        await updates.DisposeAsync();
        Assert.Equal("You asked: Where is Hekla?", text.ToString());
        Assert.Single(_server.Requests);
        UsageTotals totals = provider.GetRequiredService<UsageLedger>().GetTotals();
        Assert.Equal(1, totals.Calls);
        Assert.Equal(5 + 5, totals.TotalTokens); // 5 in, one out per word of "You asked: Where is Hekla?"
    }

    [Fact]
    public async Task Cancelling_while_an_update_is_on_its_way_ends_the_stream_once_and_is_not_retried()
    {
        await using ServiceProvider provider = Build();
        IChatClient chat = provider.GetRequiredKeyedService<IChatClient>("fast");
        var release = new TaskCompletionSource();
        _server.Enqueue(new ChatFault(CutAfterPieces: 2, CutWhen: release.Task));
        using var cancel = new CancellationTokenSource();
        IAsyncEnumerator<ChatResponseUpdate> updates = chat.GetStreamingResponseAsync("Which volcano erupted in 2010?", cancellationToken: cancel.Token).GetAsyncEnumerator();
        var text = new System.Text.StringBuilder();
        while (text.Length < "You asked:".Length)
        {
            Assert.True(await updates.MoveNextAsync());
            text.Append(updates.Current.Text);
        }

        ValueTask<bool> pending = updates.MoveNextAsync(); // the server holds the third piece back
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask());
        release.SetResult();

        Assert.False(await updates.MoveNextAsync());
        await updates.DisposeAsync();
        Assert.Equal("You asked:", text.ToString());
        Assert.Single(_server.Requests);
        Assert.Equal(1, provider.GetRequiredService<UsageLedger>().GetTotals().Calls);
    }

    private ServiceProvider Build()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:fast:Provider"] = "openai",
            ["LlmStack:ChatModels:fast:Endpoint"] = _server.Endpoint.ToString(),
            ["LlmStack:ChatModels:fast:Model"] = "fast-model",
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider().AddUsageLedger();
        return services.BuildServiceProvider();
    }
}
