using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// Serves a cached answer when a new prompt's embedding is within <see cref="SemanticCacheOptions.SimilarityThreshold"/>
/// of a cached prompt's in the same partition (tenant of the ambient <see cref="UsageScope"/>, model, and the rest of the
/// request), streamed too; otherwise calls the inner client and caches its answer for
/// <see cref="SemanticCacheOptions.TimeToLive"/>. Add it with <c>ChatClientBuilder.UseSemanticCache(...)</c>.
/// </summary>
/// <remarks>
/// Requests with tools, with content other than text, or whose last message is not the user's are passed on uncached;
/// answers that call functions or did not finish with <see cref="ChatFinishReason.Stop"/> are not cached. A served answer carries no usage (nothing was
/// spent) and names its similarity under <see cref="SemanticCacheChatClientBuilderExtensions.CacheHitKey"/>. Thread-safe.
/// </remarks>
internal sealed class SemanticCachingChatClient : DelegatingChatClient
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly VectorStore _store;
    private readonly bool _ownsStore;
    private readonly double _threshold;
    private readonly TimeSpan _timeToLive;
    private readonly string _collectionName;
    private readonly TimeProvider _time;
    private readonly string? _defaultModelId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VectorStoreCollection<string, SemanticCacheRecord>? _collection;
    private long _nextPurge;

    public SemanticCachingChatClient(IChatClient innerClient, IEmbeddingGenerator<string, Embedding<float>> embedder, VectorStore store, bool ownsStore, SemanticCacheOptions options, TimeProvider time)
        : base(innerClient)
    {
        _embedder = embedder;
        _store = store;
        _ownsStore = ownsStore;
        _threshold = options.SimilarityThreshold;
        _timeToLive = options.TimeToLive;
        _collectionName = options.CollectionName;
        _time = time;
        _defaultModelId = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (Key(messages, options) is not { } key)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        (ReadOnlyMemory<float> embedding, ChatResponse? cached) = await LookUpAsync(key, cancellationToken).ConfigureAwait(false);
        if (cached is not null)
        {
            return cached;
        }

        ChatResponse response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        await StoreAsync(key, embedding, response, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (Key(messages, options) is not { } key)
        {
            await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        (ReadOnlyMemory<float> embedding, ChatResponse? cached) = await LookUpAsync(key, cancellationToken).ConfigureAwait(false);
        if (cached is not null)
        {
            foreach (ChatResponseUpdate update in cached.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        await StoreAsync(key, embedding, updates.ToChatResponse(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
            if (_ownsStore)
            {
                _store.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>The prompt and partition of a cacheable request, or <see langword="null"/> when it is not cacheable.</summary>
    private CacheKey? Key(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        if (options?.Tools is { Count: > 0 })
        {
            return null;
        }

        IList<ChatMessage> list = messages as IList<ChatMessage> ?? [.. messages];
        if (list.Count == 0 || list[^1].Role != ChatRole.User || list.Any(m => m.Contents.Any(c => c is not TextContent)))
        {
            return null;
        }

        string prompt = list[^1].Text;
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return null;
        }

        // Everything that may change the answer besides the last user message, each field length-prefixed.
        var text = new StringBuilder();
        void Field(string? value) => text.Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
        Field(UsageScope.Current?.Tenant);
        Field(options?.ModelId ?? _defaultModelId);
        Field(options?.Instructions);
        for (int i = 0; i < list.Count - 1; i++)
        {
            Field(list[i].Role.Value);
            Field(list[i].Text);
        }

        if (options is not null)
        {
            Field(JsonSerializer.Serialize(
                new object?[] { options.Temperature, options.TopP, options.TopK, options.MaxOutputTokens, options.FrequencyPenalty, options.PresencePenalty, options.Seed, options.StopSequences, options.ResponseFormat },
                AIJsonUtilities.DefaultOptions));
        }

        return new CacheKey(prompt, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))));
    }

    private async Task<(ReadOnlyMemory<float> Embedding, ChatResponse? Cached)> LookUpAsync(CacheKey key, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<float> embedding = (await _embedder.GenerateAsync(key.Prompt, cancellationToken: cancellationToken).ConfigureAwait(false)).Vector;
        VectorStoreCollection<string, SemanticCacheRecord> collection = await CollectionAsync(embedding.Length, cancellationToken).ConfigureAwait(false);
        string partition = key.Partition;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var search = new VectorSearchOptions<SemanticCacheRecord> { Filter = r => r.Partition == partition && r.ExpiresAt > now };
        await foreach (VectorSearchResult<SemanticCacheRecord> result in collection.SearchAsync(embedding, 1, search, cancellationToken).ConfigureAwait(false))
        {
            if (result.Score >= _threshold && result.Record.Partition == partition && result.Record.ExpiresAt > now)
            {
                ChatResponse cached = JsonSerializer.Deserialize<ChatResponse>(result.Record.Response, AIJsonUtilities.DefaultOptions)!;
                (cached.AdditionalProperties ??= [])[SemanticCacheChatClientBuilderExtensions.CacheHitKey] = result.Score.Value;
                return (embedding, cached);
            }
        }

        return (embedding, null);
    }

    private async Task StoreAsync(CacheKey key, ReadOnlyMemory<float> embedding, ChatResponse response, CancellationToken cancellationToken)
    {
        // Only an answer known to be whole: a stream cut short, or ended by a proxy without its finish reason, is not.
        if (response.FinishReason != ChatFinishReason.Stop
            || string.IsNullOrEmpty(response.Text)
            || response.Messages.Any(m => m.Contents.Any(c => c is FunctionCallContent)))
        {
            return;
        }

        var stored = new ChatResponse([.. response.Messages.Select(m => new ChatMessage(m.Role, [.. m.Contents.Where(c => c is not UsageContent)]) { AuthorName = m.AuthorName })])
        {
            ResponseId = response.ResponseId,
            ModelId = response.ModelId,
            CreatedAt = response.CreatedAt,
            FinishReason = response.FinishReason,
        };
        DateTimeOffset now = _time.GetUtcNow();
        VectorStoreCollection<string, SemanticCacheRecord> collection = await CollectionAsync(embedding.Length, cancellationToken).ConfigureAwait(false);
        await collection.UpsertAsync(
            new SemanticCacheRecord
            {
                Key = Guid.NewGuid().ToString("N"),
                Partition = key.Partition,
                Prompt = key.Prompt,
                Response = JsonSerializer.Serialize(stored, AIJsonUtilities.DefaultOptions),
                ExpiresAt = (now + _timeToLive).ToUnixTimeMilliseconds(),
                Embedding = embedding,
            },
            cancellationToken).ConfigureAwait(false);
        await PurgeExpiredAsync(collection, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>At most once per <see cref="PurgeInterval"/>, deletes answers that have expired.</summary>
    private async Task PurgeExpiredAsync(VectorStoreCollection<string, SemanticCacheRecord> collection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long due = Interlocked.Read(ref _nextPurge);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPurge, (now + PurgeInterval).UtcTicks, due) != due)
        {
            return;
        }

        long cutoff = now.ToUnixTimeMilliseconds();
        List<string> expired = [];
        await foreach (SemanticCacheRecord record in collection.GetAsync(r => r.ExpiresAt <= cutoff, 10_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            expired.Add(record.Key);
        }

        if (expired.Count > 0)
        {
            await collection.DeleteAsync(expired, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<VectorStoreCollection<string, SemanticCacheRecord>> CollectionAsync(int dimensions, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _collection) is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_collection is null)
            {
                VectorStoreCollection<string, SemanticCacheRecord> collection = _store.GetCollection<string, SemanticCacheRecord>(_collectionName, SemanticCacheRecord.CreateDefinition(dimensions));
                await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _collection, collection);
            }

            return _collection;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record CacheKey(string Prompt, string Partition);
}
