using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.TestDoubles;

/// <summary>
/// A chat client whose streamed answers are scripted step by step (<see cref="ScriptedUpdates"/>), to drive a middleware
/// layer's stream enumerator through each of its states. Each streamed call takes the next queued stream.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Queue<ScriptedUpdates> _streams = new();

    /// <summary>Gets the streams handed out so far, in order.</summary>
    public List<ScriptedUpdates> Opened { get; } = [];

    /// <summary>Queues streams for the next streamed calls, one each.</summary>
    public void Enqueue(params ScriptedUpdates[] streams)
    {
        foreach (ScriptedUpdates stream in streams)
        {
            _streams.Enqueue(stream);
        }
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Only streamed answers are scripted.");

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ScriptedUpdates stream = _streams.Dequeue();
        stream.CallToken = cancellationToken;
        Opened.Add(stream);
        return stream;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
