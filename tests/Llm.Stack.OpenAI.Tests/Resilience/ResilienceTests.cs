using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
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

    private IChatClient Client(Action<LlmResilienceOptions>? configure = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

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
            .Build(services.BuildServiceProvider());
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
    public async Task A_stream_whose_connection_drops_after_output_started_is_never_retried_and_ends_with_a_clear_error()
    {
        var cut = new TaskCompletionSource();
        _server.Enqueue(new ChatFault(CutAfterPieces: 2, CutWhen: cut.Task));
        var text = new System.Text.StringBuilder();
        int updates = 0;

        IncompleteChatStreamException error = await Assert.ThrowsAsync<IncompleteChatStreamException>(async () =>
        {
            await foreach (ChatResponseUpdate update in Client().GetStreamingResponseAsync("Which volcano erupted in 2010?"))
            {
                text.Append(update.Text);
                if (++updates == 2)
                {
                    cut.SetResult(); // the client has both pieces: now the server drops the connection
                }
            }
        });

        Assert.Equal("You asked:", text.ToString());
        Assert.Equal(2, error.UpdatesReceived);
        Assert.NotNull(error.InnerException);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task The_official_client_alone_takes_a_stream_that_ends_without_its_finish_for_a_short_answer()
    {
        // What the resilience layer guards against: the HTTP response ends cleanly after two pieces, with no
        // finish_reason and no [DONE], and the official client (through Microsoft.Extensions.AI) reports no error.
        _server.Enqueue(new ChatFault(EndAfterPieces: 2));
        IChatClient bare = new OpenAIClient(
                new ApiKeyCredential("test-key"),
                new OpenAIClientOptions { Endpoint = _server.Endpoint, RetryPolicy = new ClientRetryPolicy(0) })
            .GetChatClient("model-a").AsIChatClient();

        (string text, _) = await StreamAsync(bare, "Which volcano erupted in 2010?");

        Assert.Equal("You asked:", text);
    }

    [Fact]
    public async Task A_stream_that_ends_without_its_finish_after_output_started_ends_with_a_clear_error_not_a_short_answer()
    {
        _server.Enqueue(new ChatFault(EndAfterPieces: 2));
        var text = new System.Text.StringBuilder();

        IncompleteChatStreamException error = await Assert.ThrowsAsync<IncompleteChatStreamException>(async () =>
        {
            await foreach (ChatResponseUpdate update in Client().GetStreamingResponseAsync("Which volcano erupted in 2010?"))
            {
                text.Append(update.Text);
            }
        });

        Assert.Equal("You asked:", text.ToString());
        Assert.Equal(2, error.UpdatesReceived);
        Assert.Null(error.InnerException);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_stream_that_ends_before_any_output_is_retried_and_arrives_whole()
    {
        _server.Enqueue(new ChatFault(EndAfterPieces: 0));

        (string text, _) = await StreamAsync(Client(), "Which volcano erupted in 2010?");

        Assert.Equal("You asked: Which volcano erupted in 2010?", text);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task A_stream_that_keeps_ending_before_any_output_fails_once_the_retries_are_spent()
    {
        _server.Enqueue(new ChatFault(EndAfterPieces: 0), new ChatFault(EndAfterPieces: 0));

        IncompleteChatStreamException error = await Assert.ThrowsAsync<IncompleteChatStreamException>(() =>
            StreamAsync(Client(o => o.MaxRetries = 1), "Hello?"));

        Assert.Equal(0, error.UpdatesReceived);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task Requests_beyond_the_requests_per_minute_wait_for_the_bucket_to_refill()
    {
        var time = new FakeTimeProvider();
        IChatClient client = Client(o => o.RequestsPerMinute = 2, time);
        await client.GetResponseAsync("1");
        await client.GetResponseAsync("2");

        Task<ChatResponse> third = client.GetResponseAsync("3");
        await Task.Delay(300); // time enough for the call to reach the server, were it not held
        Assert.False(third.IsCompleted);
        Assert.Equal(2, _server.Requests.Count);

        time.Advance(TimeSpan.FromSeconds(31)); // one request every 30 s
        Assert.Equal("You asked: 3", (await third).Text);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task Tokens_per_minute_charge_the_tokens_an_answer_really_used_and_hold_the_next_call()
    {
        var time = new FakeTimeProvider();
        IChatClient client = Client(o => o.TokensPerMinute = 100, time);

        // Estimated at 30 tokens (119 characters / 4), but the server reports 5 + 62 = 67: the bucket keeps 33.
        string sixtyWords = string.Join(' ', Enumerable.Repeat("w", 60));
        ChatResponse first = await client.GetResponseAsync(sixtyWords);
        Assert.Equal(67, first.Usage?.TotalTokenCount);

        // The next call may use up to 50 answer tokens: 51 estimated, more than the 33 left, so it waits.
        Task<ChatResponse> second = client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 50 });
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        Assert.Single(_server.Requests);

        time.Advance(TimeSpan.FromSeconds(12)); // 100 tokens a minute: 18 more take 10.8 s
        Assert.Equal("You asked: Hi", (await second).Text);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task The_configured_openai_chat_model_retries_through_the_resilience_layer_alone()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:Chat:Provider"] = "openai",
            ["LlmStack:Chat:Endpoint"] = _server.Endpoint.ToString(),
            ["LlmStack:Chat:Model"] = "model-a",
        }).Build()).AddOpenAIProvider();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        Assert.NotNull(chat.GetService<ResilientChatClient>());

        // Four 429s with Retry-After: 0. The layer tries 1 + 3 times and fails; had the official client kept its own
        // retries, each of the layer's attempts would have been up to 4 requests and the fifth request would answer.
        _server.Enqueue([.. Enumerable.Repeat(new ChatFault(Status: 429, RetryAfter: TimeSpan.Zero), 4)]);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => chat.GetResponseAsync("Hello?"));

        Assert.Equal(429, error.Status);
        Assert.Equal(4, _server.Requests.Count);
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
        Assert.Throws<ArgumentOutOfRangeException>("value", () => options.RequestsPerMinute = 0);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => options.TokensPerMinute = -1);
        Assert.Throws<ArgumentNullException>("builder", () => ((ChatClientBuilder)null!).UseLlmResilience());
    }
}
