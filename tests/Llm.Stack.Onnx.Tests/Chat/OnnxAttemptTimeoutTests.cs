using Llm.Stack.Onnx.Tests.TinyModel;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx.Tests.Chat;

/// <summary>
/// <c>UseLlmResilience</c>'s per-attempt timeout over the real local client: the time a request waits for the model
/// (the client generates one answer at a time) is not counted, only the time it is served.
/// </summary>
[Collection(TinyChatModelGroup.Name)]
public sealed class OnnxAttemptTimeoutTests(TinyChatModelFixture fixture)
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello, how are you?")];

    [Fact]
    public async Task Waiting_in_the_local_clients_queue_does_not_count_towards_the_attempt_timeout()
    {
        using OnnxChatClient onnx = TinyChatModelFixture.NewClient(fixture.BaseModelPath);
        IChatClient client = new ChatClientBuilder(onnx)
            .UseLlmResilience(o =>
            {
                o.AttemptTimeout = TimeSpan.FromSeconds(2);
                o.MaxRetries = 0;
                o.UseCircuitBreaker = false;
            })
            .Build();
        var options = new ChatOptions { MaxOutputTokens = 8 };

        // The first request holds the model: its stream stays open after its first update.
        await using IAsyncEnumerator<ChatResponseUpdate> first = client.GetStreamingResponseAsync(Hello, options).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());

        // The second waits in the queue for twice its attempt timeout, without timing out.
        Task<ChatResponse> second = client.GetResponseAsync(Hello, options);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(second.IsCompleted, second.Exception?.ToString());

        while (await first.MoveNextAsync())
        {
        }

        ChatResponse answer = await second;
        Assert.Equal(8, answer.Usage?.OutputTokenCount);
    }
}
