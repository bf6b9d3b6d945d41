using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using OpenAI;
using Polly.CircuitBreaker;

namespace Llm.Stack.OpenAI.Tests.Resilience;

/// <summary>
/// <c>UseLlmResilience()</c> over the official OpenAI client (its own retries off) against a Kestrel server on
/// 127.0.0.1 that injects faults: what is retried, how long it waits, and that no output is lost or sent twice.
/// </summary>
public sealed class ResilienceTests : IAsyncLifetime
{
    private FaultInjectingOpenAIServer _server = null!;

    public async Task InitializeAsync() => _server = await FaultInjectingOpenAIServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IChatClient Client(Action<LlmResilienceOptions>? configure = null)
    {
        IChatClient official = new OpenAIClient(
                new ApiKeyCredential("test-key"),
                new OpenAIClientOptions { Endpoint = _server.Endpoint, RetryPolicy = new ClientRetryPolicy(0), NetworkTimeout = TimeSpan.FromSeconds(30) })
            .GetChatClient("model-a").AsIChatClient();
        return new ChatClientBuilder(official)
            .UseLlmResilience(o =>
            {
                o.BaseDelay = TimeSpan.FromMilliseconds(10);
                configure?.Invoke(o);
            })
            .Build();
    }

    private static async Task<(string Text, int Updates)> StreamAsync(IChatClient client, string question)
    {
        var text = new System.Text.StringBuilder();
        int updates = 0;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(question))
        {
            text.Append(update.Text);
            updates++;
        }

        return (text.ToString(), updates);
    }

    [Fact]
    public async Task Server_errors_are_retried_until_an_answer_comes()
    {
        _server.Enqueue(new ChatFault(Status: 500), new ChatFault(Status: 503));

        ChatResponse response = await Client().GetResponseAsync("Where is Hekla?");

        Assert.Equal("You asked: Where is Hekla?", response.Text);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task A_429_waits_as_long_as_Retry_After_asks()
    {
        _server.Enqueue(new ChatFault(Status: 429, RetryAfter: TimeSpan.FromSeconds(1)));

        ChatResponse response = await Client().GetResponseAsync("Hello?");

        Assert.Equal("You asked: Hello?", response.Text);
        DateTimeOffset[] times = [.. _server.Requests];
        Assert.Equal(2, times.Length);
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"The retry came {(times[1] - times[0]).TotalMilliseconds} ms after the 429.");
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_longest_wait_fails_at_once()
    {
        _server.Enqueue(new ChatFault(Status: 429, RetryAfter: TimeSpan.FromSeconds(120)));

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(o => o.MaxDelay = TimeSpan.FromSeconds(5)).GetResponseAsync("Hello?"));

        Assert.Equal(429, error.Status);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        _server.Enqueue(new ChatFault(Status: 400));

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().GetResponseAsync("Hello?"));

        Assert.Equal(400, error.Status);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task After_the_last_retry_the_fault_reaches_the_caller()
    {
        _server.Enqueue(new ChatFault(Status: 502), new ChatFault(Status: 502), new ChatFault(Status: 502));

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(o => o.MaxRetries = 2).GetResponseAsync("Hello?"));

        Assert.Equal(502, error.Status);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task A_stream_that_fails_before_its_first_update_is_retried_and_arrives_whole_once()
    {
        _server.Enqueue(new ChatFault(Status: 500), new ChatFault(CutAfterPieces: 0));

        (string text, int updates) = await StreamAsync(Client(), "Which volcano erupted in 2010?");

        Assert.Equal("You asked: Which volcano erupted in 2010?", text);
        Assert.Equal(3, _server.Requests.Count);
        Assert.True(updates >= 6);
    }

    [Fact]
    public async Task A_stream_cut_after_output_started_is_never_retried_and_nothing_is_repeated()
    {
        _server.Enqueue(new ChatFault(CutAfterPieces: 2));
        var text = new System.Text.StringBuilder();

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (ChatResponseUpdate update in Client().GetStreamingResponseAsync("Which volcano erupted in 2010?"))
            {
                text.Append(update.Text);
            }
        });

        Assert.Equal("You asked:", text.ToString());
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task An_attempt_past_its_timeout_is_cancelled_and_tried_again()
    {
        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromSeconds(20)));
        var watch = Stopwatch.StartNew();

        ChatResponse response = await Client(o => o.AttemptTimeout = TimeSpan.FromMilliseconds(500)).GetResponseAsync("Hello?");

        Assert.Equal("You asked: Hello?", response.Text);
        Assert.Equal(2, _server.Requests.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_streamed_attempt_past_its_timeout_before_the_first_update_is_tried_again()
    {
        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromSeconds(20)));

        (string text, _) = await StreamAsync(Client(o => o.AttemptTimeout = TimeSpan.FromMilliseconds(500)), "Hello?");

        Assert.Equal("You asked: Hello?", text);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_and_later_calls_fail_at_once()
    {
        IChatClient client = Client(o =>
        {
            o.MaxRetries = 0;
            o.CircuitBreakerMinimumThroughput = 2;
            o.CircuitBreakerFailureRatio = 0.5;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        _server.Enqueue(new ChatFault(Status: 500), new ChatFault(Status: 500));

        await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync("1"));
        await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync("2"));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetResponseAsync("3"));

        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task The_callers_cancellation_is_never_retried()
    {
        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromSeconds(20)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client().GetResponseAsync("Hello?", cancellationToken: cancel.Token));

        Assert.Single(_server.Requests);
    }

    [Fact]
    public void Options_refuse_bad_values_naming_them()
    {
        var options = new LlmResilienceOptions();
        Assert.Throws<ArgumentOutOfRangeException>("value", () => options.MaxRetries = -1);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => options.AttemptTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => options.CircuitBreakerFailureRatio = 0);
        Assert.Throws<ArgumentNullException>("builder", () => ((ChatClientBuilder)null!).UseLlmResilience());
    }
}
