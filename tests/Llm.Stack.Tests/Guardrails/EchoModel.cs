using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Guardrails;

/// <summary>The model seam of the guardrail tests: answers with <see cref="Reply"/> of what it received, streamed in pieces of <see cref="PieceLength"/> characters (or at <see cref="Splits"/>).</summary>
internal sealed class EchoModel : IChatClient
{
    /// <summary>Gets or sets the answer to the messages received; the default echoes the last user message.</summary>
    public Func<IReadOnlyList<ChatMessage>, string> Reply { get; set; } = messages => messages.Last(m => m.Role == ChatRole.User).Text;

    public int PieceLength { get; set; } = 3;

    /// <summary>Gets or sets the exact indexes at which the streamed answer is split; <see langword="null"/> for pieces of <see cref="PieceLength"/>.</summary>
    public int[]? Splits { get; set; }

    public ConcurrentQueue<List<ChatMessage>> Received { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<ChatMessage> list = [.. messages];
        Received.Enqueue(list);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply(list))) { ModelId = "echo" });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ChatMessage> list = [.. messages];
        Received.Enqueue(list);
        string answer = Reply(list);
        int[] splits = Splits ?? [.. Enumerable.Range(1, Math.Max(0, (answer.Length - 1) / PieceLength)).Select(i => i * PieceLength)];
        int from = 0;
        foreach (int at in splits.Append(answer.Length))
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, answer[from..at]) { ModelId = "echo", MessageId = "m1" };
            from = at;
        }

        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Stop, Contents = [new UsageContent(new UsageDetails { OutputTokenCount = 7 })] };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
