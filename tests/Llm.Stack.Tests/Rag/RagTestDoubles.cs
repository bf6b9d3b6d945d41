using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Rag;

/// <summary>A retriever that returns a fixed list of chunks and records the queries it was asked.</summary>
internal sealed class FixedRetriever(params RetrievedChunk[] chunks) : IRetriever
{
    public List<string> Queries { get; } = [];

    public List<RetrievalOptions?> Options { get; } = [];

    public Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        Queries.Add(query);
        Options.Add(options);
        int top = options?.Top ?? 5;
        return Task.FromResult<IReadOnlyList<RetrievedChunk>>(chunks.Take(top).ToList());
    }
}

/// <summary>A deterministic chat client: answers each call with the next scripted reply, streamed in the given pieces.</summary>
internal sealed class ScriptedChatClient(params string[][] replies) : IChatClient
{
    private int _next;

    public List<List<ChatMessage>> Calls { get; } = [];

    public List<ChatOptions?> CallOptions { get; } = [];

    public UsageDetails UsagePerCall { get; init; } = new() { InputTokenCount = 100, OutputTokenCount = 10, TotalTokenCount = 110 };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        string[] pieces = Next(messages, options);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, string.Concat(pieces))) { Usage = UsagePerCall });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string[] pieces = Next(messages, options);
        foreach (string piece in pieces)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
        }

        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new UsageContent(UsagePerCall)] };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private string[] Next(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        Calls.Add(messages.ToList());
        CallOptions.Add(options);
        return replies[Math.Min(_next++, replies.Length - 1)];
    }
}

internal static class Corpus
{
    public static RetrievedChunk Chunk(string documentId, int ordinal, string text, double score, string? source = null) =>
        new(new DocumentChunk(documentId, ordinal, text)
        {
            Metadata = source is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["source"] = source },
            SectionPath = ["Geography"],
            PageNumber = ordinal + 1,
        }, score);

    public static RetrievedChunk[] Rivers() =>
    [
        Chunk("rivers.md", 0, "The Danube is the second-longest river in Europe. It flows through ten countries.", 0.9, "docs/rivers.md"),
        Chunk("rivers.md", 1, "The Volga is the longest river in Europe. It flows into the Caspian Sea.", 0.8, "docs/rivers.md"),
        Chunk("lakes.md", 0, "Lake Ladoga is the largest lake in Europe. It lies near Saint Petersburg.", 0.5, "docs/lakes.md"),
    ];
}
