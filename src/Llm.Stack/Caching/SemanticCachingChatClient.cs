using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Llm.Stack.VectorIndex;
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
/// <para>
/// Layout: in a store given by the app, every answer lives in one collection (<see cref="SemanticCacheOptions.CollectionName"/>)
/// and a lookup filters on the partition. In the cache's own store (<see cref="CreateDefaultStore"/>, HNSW-indexed) each
/// partition has a collection of its own (the name, <c>_</c>, the partition), so that a lookup reads only its partition's
/// answers whatever the others hold; its filter is the same (partition and expiry), so the record's own partition is still
/// checked. A partition's collection is created by its first answer and deleted by the purge once its answers have all
/// expired; the cache's writes (and the purge) take <see cref="_gate"/> one at a time, so a collection is never deleted
/// under an upsert.
/// </para>
/// </remarks>
internal sealed class SemanticCachingChatClient : DelegatingChatClient
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    /// <summary>The candidate list size of a search in the cache's own store (see <see cref="CreateDefaultStore"/>).</summary>
    private const int DefaultStoreEfSearch = 64;

    /// <summary>The partition text of the options that change an answer when none is set (the JSON of nine nulls).</summary>
    private static readonly string DefaultOptionsText = OptionsText(new ChatOptions());

    // The lookup filter, r => r.Partition == values.Partition && r.ExpiresAt > values.Now, built from these parts per
    // lookup (what the C# compiler builds for a lambda that captures both, without its reflection lookups).
    private static readonly ParameterExpression FilterRecord = Expression.Parameter(typeof(SemanticCacheRecord), "r");
    private static readonly MemberExpression RecordPartition = Expression.Property(FilterRecord, typeof(SemanticCacheRecord).GetProperty(nameof(SemanticCacheRecord.Partition))!);
    private static readonly MemberExpression RecordExpiresAt = Expression.Property(FilterRecord, typeof(SemanticCacheRecord).GetProperty(nameof(SemanticCacheRecord.ExpiresAt))!);
    private static readonly FieldInfo PartitionField = typeof(LookupValues).GetField(nameof(LookupValues.Partition))!;
    private static readonly FieldInfo NowField = typeof(LookupValues).GetField(nameof(LookupValues.Now))!;
    private static readonly MethodInfo StringEquality = typeof(string).GetMethod("op_Equality", [typeof(string), typeof(string)])!;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly VectorStore _store;
    private readonly bool _ownsStore;
    private readonly double _threshold;
    private readonly TimeSpan _timeToLive;
    private readonly string _collectionName;
    private readonly TimeProvider _time;
    private readonly string? _defaultModelId;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The collection of each partition that has one, by partition, when the store is the cache's own (else <see langword="null"/>).</summary>
    private readonly ConcurrentDictionary<string, VectorStoreCollection<string, SemanticCacheRecord>>? _partitions;
    private VectorStoreCollection<string, SemanticCacheRecord>? _collection;
    private VectorStoreCollectionDefinition? _definition;

    /// <summary>A lookup's filter and search options, kept for the next lookup (see <see cref="LeaseFilter"/>).</summary>
    private LookupFilter? _spareFilter;
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
        _partitions = ownsStore ? new(StringComparer.Ordinal) : null;
    }

    /// <summary>
    /// Creates the cache's own store, used when the app gives none: in memory, every vector property indexed with HNSW
    /// (the in-memory store's defaults: M 16, EfConstruction 200; EfSearch <see cref="DefaultStoreEfSearch"/>), one
    /// collection per partition.
    /// </summary>
    /// <remarks>
    /// HNSW makes a lookup's cost grow with the logarithm of its partition's answers rather than with their number, at
    /// the price of being approximate: a partition's filtered search scores its answers exactly while it holds fewer
    /// than the store's exact-filter cutoff (2,000), and walks the graph beyond, where a cached prompt asked again can
    /// (rarely) be missed. <c>benchmarks/RESULTS.md</c> has the lookup times and the share served.
    /// </remarks>
    internal static InMemoryVectorStore CreateDefaultStore() =>
        new(new InMemoryVectorStoreOptions { IndexKind = IndexKind.Hnsw, Hnsw = { EfSearch = DefaultStoreEfSearch } });

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
        bool stopped = false;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            stopped |= update.FinishReason == ChatFinishReason.Stop;
            yield return update;
        }

        // Without a Stop finish the answer is not cached (StoreAsync's first test), so it is not assembled.
        if (stopped)
        {
            await StoreAsync(key, embedding, updates.ToChatResponse(), cancellationToken).ConfigureAwait(false);
        }
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
        if (list.Count == 0 || list[^1].Role != ChatRole.User || !AllText(list))
        {
            return null;
        }

        string prompt = list[^1].Text;
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return null;
        }

        // Everything that may change the answer besides the last user message, each field length-prefixed
        // ("length:value\n", -1 for none), hashed with SHA-256.
        string? tenant = UsageScope.Current?.Tenant;
        string? model = options?.ModelId ?? _defaultModelId;
        string? optionsText = options is null ? null : OptionsText(options);
        int earlier = list.Count - 1;
        string[] texts = earlier == 0 ? [] : ArrayPool<string>.Shared.Rent(earlier);
        byte[]? buffer = null;
        try
        {
            int size = FieldSize(tenant) + FieldSize(model) + FieldSize(options?.Instructions) + FieldSize(optionsText);
            for (int i = 0; i < earlier; i++)
            {
                texts[i] = list[i].Text;
                size += FieldSize(list[i].Role.Value) + FieldSize(texts[i]);
            }

            buffer = ArrayPool<byte>.Shared.Rent(size);
            int written = 0;
            Field(buffer, ref written, tenant);
            Field(buffer, ref written, model);
            Field(buffer, ref written, options?.Instructions);
            for (int i = 0; i < earlier; i++)
            {
                Field(buffer, ref written, list[i].Role.Value);
                Field(buffer, ref written, texts[i]);
            }

            if (optionsText is not null)
            {
                Field(buffer, ref written, optionsText);
            }

            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            _ = SHA256.HashData(buffer.AsSpan(0, written), hash);
            return new CacheKey(prompt, Convert.ToHexString(hash));
        }
        finally
        {
            if (earlier > 0)
            {
                ArrayPool<string>.Shared.Return(texts, clearArray: true);
            }

            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static bool AllText(IList<ChatMessage> messages)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            IList<AIContent> contents = messages[i].Contents;
            for (int j = 0; j < contents.Count; j++)
            {
                if (contents[j] is not TextContent)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The options that change an answer, as the partition text shows them: the JSON of their values, in a fixed order.</summary>
    private static string OptionsText(ChatOptions options) =>
        options is { Temperature: null, TopP: null, TopK: null, MaxOutputTokens: null, FrequencyPenalty: null, PresencePenalty: null, Seed: null, StopSequences: null, ResponseFormat: null }
            && DefaultOptionsText is { } none
            ? none
            : JsonSerializer.Serialize(
                new object?[] { options.Temperature, options.TopP, options.TopK, options.MaxOutputTokens, options.FrequencyPenalty, options.PresencePenalty, options.Seed, options.StopSequences, options.ResponseFormat },
                AIJsonUtilities.DefaultOptions);

    /// <summary>The most bytes a field takes: its length in digits (or -1), the colon, its UTF-8 and the line break.</summary>
    private static int FieldSize(string? value) => 11 + 1 + (value is null ? 0 : Encoding.UTF8.GetMaxByteCount(value.Length)) + 1;

    private static void Field(byte[] buffer, ref int written, string? value)
    {
        Span<byte> rest = buffer.AsSpan(written);
        // Invariant: the same request has the same partition whatever the thread's culture (some cultures' minus sign,
        // in "-1", is not the ASCII hyphen-minus).
        _ = (value?.Length ?? -1).TryFormat(rest, out int digits, provider: CultureInfo.InvariantCulture);
        rest[digits] = (byte)':';
        int bytes = value is null ? 0 : Encoding.UTF8.GetBytes(value, rest[(digits + 1)..]);
        rest[digits + 1 + bytes] = (byte)'\n';
        written += digits + bytes + 2;
    }

    private async ValueTask<(ReadOnlyMemory<float> Embedding, ChatResponse? Cached)> LookUpAsync(CacheKey key, CancellationToken cancellationToken)
    {
        GeneratedEmbeddings<Embedding<float>> generated = await _embedder.GenerateAsync([key.Prompt], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (generated.Count != 1)
        {
            throw new InvalidOperationException($"The embedding generator returned {generated.Count} embeddings for one prompt.");
        }

        ReadOnlyMemory<float> embedding = generated[0].Vector;
        string partition = key.Partition;
        VectorStoreCollection<string, SemanticCacheRecord>? collection;
        if (_partitions is null)
        {
            collection = await CollectionAsync(embedding.Length, cancellationToken).ConfigureAwait(false);
        }
        else if (!_partitions.TryGetValue(partition, out collection))
        {
            return (embedding, null); // no answer of this partition is cached
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using FilterLease lease = LeaseFilter(partition, now);
        VectorSearchOptions<SemanticCacheRecord> search = lease.Options;
        VectorSearchResult<SemanticCacheRecord>? best = null;
        try
        {
            await foreach (VectorSearchResult<SemanticCacheRecord> result in collection.SearchAsync(embedding, 1, search, cancellationToken).ConfigureAwait(false))
            {
                best = result;
            }
        }
        catch (VectorStoreException) when (_partitions is not null && !(_partitions.TryGetValue(partition, out VectorStoreCollection<string, SemanticCacheRecord>? current) && ReferenceEquals(current, collection)))
        {
            // The purge deleted this partition's collection (all its answers had expired) after it was looked up: a miss.
            return (embedding, null);
        }

        if (best is { Score: double score } && score >= _threshold && best.Record.Partition == partition && best.Record.ExpiresAt > now)
        {
            ChatResponse cached = JsonSerializer.Deserialize<ChatResponse>(best.Record.Response, AIJsonUtilities.DefaultOptions)!;
            (cached.AdditionalProperties ??= [])[SemanticCacheChatClientBuilderExtensions.CacheHitKey] = score;
            return (embedding, cached);
        }

        return (embedding, null);
    }

    /// <summary>
    /// The lookup's filter, <c>r =&gt; r.Partition == values.Partition &amp;&amp; r.ExpiresAt &gt; values.Now</c>, as the
    /// C# compiler builds it for a lambda that captures both (any MEVD store translates it), from parts built once: every
    /// lookup's filter has one shape, which the in-memory store compiles once.
    /// </summary>
    private static Expression<Func<SemanticCacheRecord, bool>> Filter(LookupValues captured)
    {
        ConstantExpression values = Expression.Constant(captured);
        return Expression.Lambda<Func<SemanticCacheRecord, bool>>(
            Expression.AndAlso(
                Expression.Equal(RecordPartition, Expression.Field(values, PartitionField), liftToNull: false, StringEquality),
                Expression.GreaterThan(RecordExpiresAt, Expression.Field(values, NowField))),
            FilterRecord);
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
        var record = new SemanticCacheRecord
        {
            Key = Guid.NewGuid().ToString("N"),
            Partition = key.Partition,
            Prompt = key.Prompt,
            Response = JsonSerializer.Serialize(stored, AIJsonUtilities.DefaultOptions),
            ExpiresAt = (now + _timeToLive).ToUnixTimeMilliseconds(),
            Embedding = embedding,
        };
        if (_partitions is null)
        {
            VectorStoreCollection<string, SemanticCacheRecord> collection = await CollectionAsync(embedding.Length, cancellationToken).ConfigureAwait(false);
            await collection.UpsertAsync(record, cancellationToken).ConfigureAwait(false);
            await PurgeExpiredAsync(collection, now, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_partitions.TryGetValue(key.Partition, out VectorStoreCollection<string, SemanticCacheRecord>? collection))
            {
                _definition ??= SemanticCacheRecord.CreateDefinition(embedding.Length);
                collection = _store.GetCollection<string, SemanticCacheRecord>(_collectionName + "_" + key.Partition, _definition);
                await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
                _partitions[key.Partition] = collection;
            }

            await collection.UpsertAsync(record, cancellationToken).ConfigureAwait(false);
            if (IsPurgeDue(now))
            {
                await PurgePartitionsAsync(now).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether a purge is due (at most one per <see cref="PurgeInterval"/>); when it is, the next one is scheduled.</summary>
    private bool IsPurgeDue(DateTimeOffset now)
    {
        long due = Interlocked.Read(ref _nextPurge);
        return now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextPurge, (now + PurgeInterval).UtcTicks, due) == due;
    }

    /// <summary>At most once per <see cref="PurgeInterval"/>, deletes answers that have expired.</summary>
    private async Task PurgeExpiredAsync(VectorStoreCollection<string, SemanticCacheRecord> collection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (IsPurgeDue(now))
        {
            _ = await DeleteExpiredAsync(collection, now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes the expired answers of every partition of the cache's own store, and the collection of a partition left with
    /// no live answer (the caller holds <see cref="_gate"/>, so no answer is being written). Not cancellable: the in-memory
    /// store completes each step at once, and a partition is never left half removed.
    /// </summary>
    private async Task PurgePartitionsAsync(DateTimeOffset now)
    {
        long cutoff = now.ToUnixTimeMilliseconds();
        foreach ((string partition, VectorStoreCollection<string, SemanticCacheRecord> collection) in _partitions!)
        {
            _ = await DeleteExpiredAsync(collection, cutoff, CancellationToken.None).ConfigureAwait(false);
            if (!await collection.GetAsync(r => r.ExpiresAt > cutoff, 1).AnyAsync().ConfigureAwait(false))
            {
                // Out of the map first, so that no new lookup finds the collection while it is being deleted.
                _ = _partitions.TryRemove(partition, out _);
                await collection.EnsureCollectionDeletedAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes up to 10,000 answers of a collection that expired at or before <paramref name="cutoff"/>; returns whether it deleted any.</summary>
    private static async Task<bool> DeleteExpiredAsync(VectorStoreCollection<string, SemanticCacheRecord> collection, long cutoff, CancellationToken cancellationToken)
    {
        List<string> expired = [];
        await foreach (SemanticCacheRecord record in collection.GetAsync(r => r.ExpiresAt <= cutoff, 10_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            expired.Add(record.Key);
        }

        if (expired.Count > 0)
        {
            await collection.DeleteAsync(expired, cancellationToken).ConfigureAwait(false);
        }

        return expired.Count > 0;
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

    private readonly record struct CacheKey(string Prompt, string Partition);

    /// <summary>
    /// Lends a lookup the client's spare filter and search options (or new ones while another lookup holds them), set to
    /// its partition and time; disposing the lease puts them back once the search is over. One lookup at a time reads a
    /// filter's values, and a lookup allocates no filter, expression tree or options of its own.
    /// </summary>
    private FilterLease LeaseFilter(string partition, long now)
    {
        LookupFilter filter = Interlocked.Exchange(ref _spareFilter, null) ?? new LookupFilter();
        filter.Values.Partition = partition;
        filter.Values.Now = now;
        return new FilterLease(this, filter);
    }

    /// <summary>The values one lookup's filter captures (a closure's fields, as the filter reads them); set by the lookup that holds them.</summary>
    private sealed class LookupValues
    {
        // Fields, as a compiler-built closure has them: stores read captured values by field.
        public string Partition = string.Empty;
        public long Now;
    }

    /// <summary>A filter over its own <see cref="LookupValues"/>, and the search options that carry it.</summary>
    private sealed class LookupFilter
    {
        public LookupFilter() => Options = new VectorSearchOptions<SemanticCacheRecord> { Filter = Filter(Values) };

        public LookupValues Values { get; } = new();

        public VectorSearchOptions<SemanticCacheRecord> Options { get; }
    }

    /// <summary>A lookup's hold on a <see cref="LookupFilter"/>; disposing it makes the filter the client's spare again.</summary>
    private readonly struct FilterLease(SemanticCachingChatClient owner, LookupFilter filter) : IDisposable
    {
        public VectorSearchOptions<SemanticCacheRecord> Options => filter.Options;

        public void Dispose() => Volatile.Write(ref owner._spareFilter, filter);
    }
}
