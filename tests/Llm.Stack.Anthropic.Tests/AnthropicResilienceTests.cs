using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Anthropic.Tests;

/// <summary>
/// The configured <c>anthropic</c> model's only retry layer is Llm.Stack's resilience layer (<c>LlmStack:Chat:Resilience</c>):
/// the official package's own retries are off, and the layer recognises the package's errors, 429 with <c>Retry-After</c>
/// and 5xx (529 overloaded among them), and in-stream <c>error</c> events (retried before the first token, reported
/// after it), against a real Messages-protocol server on 127.0.0.1 that injects them.
/// </summary>
public sealed class AnthropicResilienceTests : IDisposable
{
    private readonly AnthropicProtocolServer _server = new();

    public void Dispose() => _server.Dispose();

    private ServiceProvider Build(int maxRetries = 3, string maxDelay = "00:00:30")
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["LlmStack:Chat:Provider"] = "anthropic",
                ["LlmStack:Chat:Endpoint"] = _server.BaseAddress.ToString(),
                ["LlmStack:Chat:Model"] = "claude-test",
                ["LlmStack:Chat:ApiKey"] = "sk-ant-test",
                ["LlmStack:Chat:Resilience:MaxRetries"] = maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LlmStack:Chat:Resilience:BaseDelay"] = "00:00:00.010",
                ["LlmStack:Chat:Resilience:MaxDelay"] = maxDelay,
                ["LlmStack:Chat:Resilience:UseCircuitBreaker"] = "false",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddAnthropicProvider();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_429_is_retried_once_after_the_wait_Retry_After_asks()
    {
        await using ServiceProvider provider = Build();
        _server.Enqueue(new ChatFault(Status: 429, RetryAfter: TimeSpan.FromSeconds(1)));

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Which volcano erupted in 2010?");

        Assert.Equal("You asked: Which volcano erupted in 2010?", response.Text);
        DateTimeOffset[] times = [.. _server.RequestTimes];
        Assert.Equal(2, times.Length);
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"The retry came {(times[1] - times[0]).TotalMilliseconds} ms after the 429.");
    }

    [Fact]
    public async Task Server_errors_are_retried_by_the_layer_alone_then_reach_the_caller_with_their_status()
    {
        await using ServiceProvider provider = Build(maxRetries: 3);
        // Five faults: the layer's 1 + 3 attempts take four. Had the package kept its own two retries under each attempt,
        // the third request would have been retried by it and the fifth would have answered.
        _server.Enqueue(new ChatFault(Status: 529), new ChatFault(Status: 500), new ChatFault(Status: 503), new ChatFault(Status: 529), new ChatFault(Status: 529));

        HttpRequestException error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => provider.GetRequiredService<IChatClient>().GetResponseAsync("Hello?"));

        Assert.Equal(529, (int?)error.StatusCode);
        Assert.Contains("overloaded_error", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, _server.RequestTimes.Count);
    }

    [Fact]
    public async Task A_streamed_answer_is_retried_before_its_first_update_and_arrives_once()
    {
        await using ServiceProvider provider = Build();
        _server.Enqueue(new ChatFault(Status: 503), new ChatFault(Status: 429, RetryAfter: TimeSpan.Zero));

        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in provider.GetRequiredService<IChatClient>().GetStreamingResponseAsync("stream this please"))
        {
            text.Append(update.Text);
        }

        Assert.Equal("You asked: stream this please", text.ToString());
        Assert.Equal(3, _server.RequestTimes.Count);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_longest_wait_fails_at_once()
    {
        await using ServiceProvider provider = Build(maxDelay: "00:00:05");
        _server.Enqueue(new ChatFault(Status: 429, RetryAfter: TimeSpan.FromSeconds(120)));

        HttpRequestException error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => provider.GetRequiredService<IChatClient>().GetResponseAsync("Hello?"));

        Assert.Equal(429, (int?)error.StatusCode);
        Assert.Single(_server.RequestTimes);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_keeps_the_packages_exception()
    {
        await using ServiceProvider provider = Build();
        _server.Enqueue(new ChatFault(Status: 400));

        global::Anthropic.Exceptions.AnthropicBadRequestException error = await Assert.ThrowsAsync<global::Anthropic.Exceptions.AnthropicBadRequestException>(
            () => provider.GetRequiredService<IChatClient>().GetResponseAsync("Hello?"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Single(_server.RequestTimes);
    }

    private static async Task<(string Text, Exception? Error)> StreamAsync(IChatClient client, string question)
    {
        var text = new System.Text.StringBuilder();
        try
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(question))
            {
                text.Append(update.Text);
            }
        }
        catch (Exception e)
        {
            return (text.ToString(), e);
        }

        return (text.ToString(), null);
    }

    [Fact]
    public async Task An_overloaded_error_event_after_output_started_ends_the_stream_with_a_clear_error_after_the_emitted_text_never_retried()
    {
        await using ServiceProvider provider = Build();
        _server.Enqueue(new ChatFault(ErrorEventAfterPieces: 3));

        (string text, Exception? error) = await StreamAsync(provider.GetRequiredService<IChatClient>(), "stream this please");

        Assert.Equal("You asked: stream", text); // the three pieces before the event, once
        IncompleteChatStreamException cut = Assert.IsType<IncompleteChatStreamException>(error);
        HttpRequestException fault = Assert.IsAssignableFrom<HttpRequestException>(cut.InnerException);
        Assert.Equal(529, (int?)fault.StatusCode);
        Assert.Contains("overloaded_error", cut.Message, StringComparison.Ordinal);
        Assert.Single(_server.RequestTimes);
    }

    [Fact]
    public async Task An_overloaded_error_event_before_the_first_token_is_retried_and_the_answer_arrives_whole_once()
    {
        await using ServiceProvider provider = Build();
        _server.Enqueue(new ChatFault(ErrorEventAfterPieces: 0), new ChatFault(ErrorEventAfterPieces: 0, ErrorEventType: "api_error"));

        (string text, Exception? error) = await StreamAsync(provider.GetRequiredService<IChatClient>(), "stream this please");

        Assert.Null(error);
        Assert.Equal("You asked: stream this please", text);
        Assert.Equal(3, _server.RequestTimes.Count);
    }

    [Fact]
    public async Task Error_events_before_the_first_token_reach_the_caller_with_their_status_once_the_retries_are_spent()
    {
        await using ServiceProvider provider = Build(maxRetries: 2);
        _server.Enqueue([.. Enumerable.Repeat(new ChatFault(ErrorEventAfterPieces: 0), 3)]);

        (string text, Exception? error) = await StreamAsync(provider.GetRequiredService<IChatClient>(), "Hello?");

        Assert.Equal(string.Empty, text);
        HttpRequestException fault = Assert.IsAssignableFrom<HttpRequestException>(error);
        Assert.Equal(529, (int?)fault.StatusCode);
        Assert.Contains("reported overloaded_error in the stream", fault.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.RequestTimes.Count);
    }

    [Fact]
    public async Task A_permanent_error_event_is_not_retried_and_keeps_the_packages_exception()
    {
        await using ServiceProvider provider = Build();
        _server.Enqueue(new ChatFault(ErrorEventAfterPieces: 0, ErrorEventType: "invalid_request_error"));

        (string text, Exception? error) = await StreamAsync(provider.GetRequiredService<IChatClient>(), "Hello?");

        Assert.Equal(string.Empty, text);
        global::Anthropic.Exceptions.AnthropicSseException sse = Assert.IsType<global::Anthropic.Exceptions.AnthropicSseException>(error);
        Assert.Contains("invalid_request_error", sse.Message, StringComparison.Ordinal);
        Assert.Single(_server.RequestTimes);
    }
}
