using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Monitoring.Tests;

/// <summary>A chat model that streams the given pieces with usage, and records the options each call got.</summary>
internal sealed class PiecesChatClient(string modelId, params string[] pieces) : IChatClient
{
    public List<ChatOptions?> Calls { get; } = [];

    public TimeSpan Delay { get; init; }

    public Exception? Failure { get; init; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (Calls)
        {
            Calls.Add(options);
        }

        foreach (string piece in pieces)
        {
            await Task.Delay(Delay, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = modelId };
        }

        if (Failure is not null)
        {
            throw Failure;
        }

        yield return new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 12, OutputTokenCount = pieces.Length, TotalTokenCount = 12 + pieces.Length })] };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("pieces", defaultModelId: modelId) : null;

    public void Dispose()
    {
    }
}

/// <summary>A retriever over a fixed list of passages, scored by the share of query words they contain.</summary>
internal sealed class WordRetriever(params string[] passages) : IRetriever
{
    public Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        string[] words = query.ToLowerInvariant().Split([' ', '?', '.', ','], StringSplitOptions.RemoveEmptyEntries);
        IReadOnlyList<RetrievedChunk> found = passages
            .Select((p, i) => new RetrievedChunk(new DocumentChunk("doc" + i + ".md", 0, p), words.Count(w => p.Contains(w, StringComparison.OrdinalIgnoreCase)) / (double)words.Length))
            .Where(c => c.Score > 0)
            .OrderByDescending(c => c.Score)
            .Take(options?.Top ?? 4)
            .ToList();
        return Task.FromResult(found);
    }
}

/// <summary>A store that holds every write until <see cref="Release"/>, to fill the log's queue.</summary>
internal sealed class GatedStore(IInteractionStore inner) : IInteractionStore
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public async Task WriteAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken = default)
    {
        await _gate.Task;
        await inner.WriteAsync(records, cancellationToken);
    }

    public Task<bool> AddFeedbackAsync(string interactionId, InteractionFeedback feedback, CancellationToken cancellationToken = default) => inner.AddFeedbackAsync(interactionId, feedback, cancellationToken);

    public Task<InteractionRecord?> GetAsync(string interactionId, CancellationToken cancellationToken = default) => inner.GetAsync(interactionId, cancellationToken);

    public Task<IReadOnlyList<InteractionFeedback>> GetFeedbackAsync(string interactionId, CancellationToken cancellationToken = default) => inner.GetFeedbackAsync(interactionId, cancellationToken);

    public Task<IReadOnlyList<InteractionRecord>> GetRecentAsync(int count, CancellationToken cancellationToken = default) => inner.GetRecentAsync(count, cancellationToken);

    public Task<IReadOnlyList<InteractionRecord>> QueryAsync(InteractionQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public Task<InteractionStatistics> GetStatisticsAsync(InteractionStatisticsQuery query, CancellationToken cancellationToken = default) => inner.GetStatisticsAsync(query, cancellationToken);
}

/// <summary>A temporary folder, deleted at the end.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("llmstack-monitor-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
