using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.TestDoubles;

/// <summary>A hand-written chat client whose behaviour is set through callback properties.</summary>
public sealed class TestChatClient : IChatClient
{
    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? GetResponseAsyncCallback { get; set; }

    public string Name { get; init; } = "test";

    public bool Disposed { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetResponseAsyncCallback?.Invoke(messages, options, cancellationToken)
        ?? Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"{Name}: {messages.Last().Text}")));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() => Disposed = true;
}
