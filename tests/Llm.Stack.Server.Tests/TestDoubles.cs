using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Server.Tests;

/// <summary>A chat model that streams a fixed answer in pieces and reports fixed usage; records the options it got.</summary>
internal sealed class ScriptedChatClient(string modelId, params string[] pieces) : IChatClient
{
    public List<ChatOptions?> Calls { get; } = [];

    public UsageDetails? Usage { get; init; } = new() { InputTokenCount = 21, OutputTokenCount = 9, TotalTokenCount = 30 };

    public TimeSpan DelayPerPiece { get; init; }

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
            await Task.Delay(DelayPerPiece, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = modelId };
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop, Contents = Usage is null ? [] : [new UsageContent(Usage)] };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("test", defaultModelId: modelId) : null;

    public void Dispose()
    {
    }
}

/// <summary>A chat model that fails with an exception whose message must never reach a client.</summary>
internal sealed class FailingChatClient : IChatClient
{
    public const string Secret = "/srv/private/secret-path";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("Failed at " + Secret);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("Failed at " + Secret);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("test", defaultModelId: "failing") : null;

    public void Dispose()
    {
    }
}

/// <summary>A deterministic embedder: each text maps to a 4-dimensional vector from its length and first character.</summary>
internal sealed class TestEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    public static float[] VectorOf(string text) => [text.Length, text[0], 0.5f, -1.25f];

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<string> texts = [.. values];
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => new Embedding<float>(VectorOf(t))))
        {
            Usage = new UsageDetails { InputTokenCount = texts.Sum(t => t.Split(' ').Length) },
        };
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", defaultModelId: "test-embed", defaultModelDimensions: 4) : null;

    public void Dispose()
    {
    }
}

/// <summary>A retriever over fixed passages, with sources named like ingested files.</summary>
internal sealed class PassageRetriever : IRetriever
{
    private readonly RetrievedChunk[] _chunks =
    [
        Passage("volcanoes.md", "Eyjafjallajökull erupted in 2010 and closed European airspace for days.", 0.9),
        Passage("bread.md", "Yeast ferments the sugars in flour and makes the dough rise.", 0.4),
    ];

    public Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RetrievedChunk>>(_chunks.OrderByDescending(c => query.Contains("dough", StringComparison.OrdinalIgnoreCase) == (c.Chunk.DocumentId == "bread.md")).ToList());

    private static RetrievedChunk Passage(string file, string text, double score) =>
        new(new DocumentChunk(file, 0, text)
        {
            Metadata = new Dictionary<string, object?>
            {
                ["source"] = new Uri(Path.Combine(Path.GetTempPath(), "private-docs", file)).AbsoluteUri,
                [FileSystemDocumentSource.PathMetadataKey] = "docs/" + file,
            },
        }, score);
}
