// RS0026: the overloads with optional parameters are the MEVD base class's, which these members override.
#pragma warning disable RS0026
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Chroma;

/// <summary>
/// A collection of the <see cref="ChromaVectorStore"/>: a Chroma collection whose records have the key as id, the vector
/// as embedding and the data properties as metadata.
/// </summary>
/// <typeparam name="TKey">The key type: <see cref="string"/>, <see cref="Guid"/>, <see cref="int"/> or <see cref="long"/> (stored as the id's text); <see cref="object"/> for dynamic collections.</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// <para>Thread-safety: all members are safe to call concurrently.</para>
/// <para>What Chroma cannot do, and the collection therefore rejects with <see cref="NotSupportedException"/>: more than
/// one vector property, a record without a vector (Chroma stores every record with its embedding), index kinds other
/// than HNSW, distance functions other than cosine, dot product and Euclidean, ordering in <c>GetAsync</c> by filter,
/// and keyword (hybrid) search.</para>
/// <para>Writes: an upsert is split into requests of at most <see cref="ChromaVectorStoreOptions.MaxBatchSize"/> records;
/// each request is applied whole, but a split upsert is not atomic. Within one upsert the last record of a key wins. Bad
/// input (wrong dimensions, NaN or infinite components, a zero vector under a cosine function, a null or empty key, a
/// missing vector) throws <see cref="ArgumentException"/> or <see cref="NotSupportedException"/> before anything is sent.</para>
/// <para>Values: data properties are Chroma metadata (see <see cref="ChromaVectorStoreOptions"/>' package README for the
/// encoding); <see cref="DateTime"/> is read back in UTC and <see cref="DateTimeOffset"/> with offset zero. Under a cosine
/// function Chroma keeps the unit vector and its norm, so a vector read back may differ from the one written in the last
/// bit of a component.</para>
/// </remarks>
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class ChromaVectorCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>
#pragma warning restore CA1711
    where TKey : notnull
    where TRecord : class
{
    private readonly ChromaVectorStore _store;
    private readonly CollectionModel _model;
    private readonly VectorStoreCollectionMetadata _metadata;
    private readonly bool _dynamic;
    private readonly string _serverName;
    private readonly VectorPropertyModel? _vector;
    private readonly ChromaDistance _distance;
    private readonly string[] _listFlagPrefixes;
    private string? _id;

    internal ChromaVectorCollection(ChromaVectorStore store, string name, VectorStoreCollectionDefinition? definition, bool dynamic)
    {
        _store = store;
        Name = name;
        _dynamic = dynamic;
        var builder = new ChromaModelBuilder();
        _model = dynamic
            ? builder.BuildDynamic(definition!, store.Options.EmbeddingGenerator)
            : builder.Build(typeof(TRecord), typeof(TKey), definition, store.Options.EmbeddingGenerator);
        if (!dynamic && _model.KeyProperty.Type != typeof(TKey))
        {
            throw new ArgumentException(
                $"The key property '{_model.KeyProperty.ModelName}' has type '{_model.KeyProperty.Type.Name}' but the collection's key type is '{typeof(TKey).Name}'.", nameof(definition));
        }

        _serverName = ChromaNames.ServerName(name);
        _listFlagPrefixes = [.. _model.DataProperties.Where(p => ChromaValues.ElementType(p.Type) is not null).Select(p => p.StorageName + "#has")];
        _vector = _model.VectorProperties.Count == 0 ? null : _model.VectorProperties[0];
        _distance = ChromaDistance.Get(_vector?.DistanceFunction, _vector?.ModelName ?? string.Empty);
        _metadata = new VectorStoreCollectionMetadata
        {
            VectorStoreSystemName = ChromaVectorStore.SystemName,
            VectorStoreName = store.Database,
            CollectionName = name,
        };
    }

    /// <inheritdoc />
    public override string Name { get; }

    private ChromaClient Client => _store.Client;

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => _store.CollectionExistsAsync(Name, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Creates the collection (and, with <see cref="ChromaVectorStoreOptions.CreateDatabase"/>, its tenant and database) if
    /// it does not exist, with the HNSW space of the vector property's distance function. Concurrent calls are safe
    /// (Chroma's get-or-create).
    /// </remarks>
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        await _store.EnsureDatabaseAsync(Name, cancellationToken).ConfigureAwait(false);
        using JsonDocument? created = await Client.SendAsync(HttpMethod.Post, $"{Client.DatabasePath}/collections", writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("name", _serverName);
            writer.WriteBoolean("get_or_create", true);
            if (_serverName != Name)
            {
                writer.WriteStartObject("metadata");
                writer.WriteString(ChromaNames.NameKey, Name);
                writer.WriteEndObject();
            }

            writer.WriteStartObject("configuration");
            writer.WriteStartObject("hnsw");
            writer.WriteString("space", _distance.Space);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }, Name, "EnsureCollectionExists", cancellationToken).ConfigureAwait(false);
        JsonElement collection = created!.RootElement;

        // Get-or-create returns an existing collection as it is: one made with another space would give other scores.
        if (collection.TryGetProperty("configuration_json", out JsonElement configuration) && configuration.ValueKind == JsonValueKind.Object
            && configuration.TryGetProperty("hnsw", out JsonElement hnsw) && hnsw.ValueKind == JsonValueKind.Object
            && hnsw.TryGetProperty("space", out JsonElement space) && space.GetString() is string existing && existing != _distance.Space)
        {
            throw Client.Error(Name, "EnsureCollectionExists", $"the collection exists with the HNSW space '{existing}', but the record definition's distance function {_distance.Function} needs '{_distance.Space}'", null);
        }

        Volatile.Write(ref _id, collection.GetProperty("id").GetString());
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        await _store.DeleteCollectionAsync(Name, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _id, null);
    }

    /// <inheritdoc />
    public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        string id = Id(NormalizeKey(key, nameof(key)));
        bool includeVectors = ConnectorRecords.CheckIncludeVectors(_model, options?.IncludeVectors ?? false);
        List<TRecord> found = await GetByIdsAsync([id], includeVectors, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    /// <remarks>Records are returned in no particular order; keys without a record are skipped.</remarks>
    public override async IAsyncEnumerable<TRecord> GetAsync(
        IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        List<string> ids = [.. keys.Select((k, i) => Id(NormalizeKey(k, nameof(keys), i))).Distinct(StringComparer.Ordinal)];
        bool includeVectors = ConnectorRecords.CheckIncludeVectors(_model, options?.IncludeVectors ?? false);
        int batch = await Client.MaxBatchSizeAsync(cancellationToken).ConfigureAwait(false);
        foreach (string[] part in ids.Chunk(batch))
        {
            foreach (TRecord record in await GetByIdsAsync(part, includeVectors, cancellationToken).ConfigureAwait(false))
            {
                yield return record;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Records come in Chroma's order (the order they were first added); <c>Skip</c> and <paramref name="top"/> page through it.</remarks>
    /// <exception cref="NotSupportedException">The filter uses an expression with no translation (the message names it), or the options ask for an order (Chroma's get has none).</exception>
    public override async IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter,
        int top,
        FilteredRecordRetrievalOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip);
        if (options.OrderBy is not null)
        {
            throw new NotSupportedException("The Chroma vector store cannot order records: Chroma's get returns them in its own order. Sort the records after reading them.");
        }

        bool includeVectors = ConnectorRecords.CheckIncludeVectors(_model, options.IncludeVectors);
        ChromaFilterTranslator.Where? where = ChromaFilterTranslator.Translate(filter, _model);
        int page = await Client.MaxBatchSizeAsync(cancellationToken).ConfigureAwait(false);
        long offset = options.Skip;
        int remaining = top;
        while (remaining > 0)
        {
            int limit = Math.Min(remaining, page);
            List<TRecord> found = await ReadAsync("get", "Get", writer =>
            {
                writer.WriteStartObject();
                if (where is not null)
                {
                    writer.WritePropertyName("where");
                    where.Write(writer);
                }

                writer.WriteNumber("limit", limit);
                writer.WriteNumber("offset", offset);
                WriteInclude(writer, includeVectors, distances: false);
                writer.WriteEndObject();
            }, includeVectors, cancellationToken).ConfigureAwait(false);
            foreach (TRecord record in found)
            {
                yield return record;
            }

            if (found.Count < limit)
            {
                yield break;
            }

            remaining -= found.Count;
            offset += found.Count;
        }
    }

    /// <inheritdoc />
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        List<string> ids = [.. keys.Select((k, i) => Id(NormalizeKey(k, nameof(keys), i))).Distinct(StringComparer.Ordinal)];
        if (ids.Count == 0)
        {
            return;
        }

        int batch = await Client.MaxBatchSizeAsync(cancellationToken).ConfigureAwait(false);
        foreach (string[] part in ids.Chunk(batch))
        {
            using JsonDocument? _ = await SendToCollectionAsync("delete", "Delete", writer =>
            {
                writer.WriteStartObject();
                WriteIds(writer, part);
                writer.WriteEndObject();
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>An invalid record throws before anything is sent. Batches larger than <see cref="ChromaVectorStoreOptions.MaxBatchSize"/> are sent in several requests.</remarks>
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        List<TRecord> list = ConnectorRecords.ToCheckedList(records, nameof(records));

        if (list.Count == 0)
        {
            return;
        }

        (MappedRecord[] mapped, bool[] generatedKey) = await MapRecordsAsync(list, cancellationToken).ConfigureAwait(false);

        // Within a batch the last record of a key wins.
        var last = new Dictionary<string, int>(mapped.Length, StringComparer.Ordinal);
        for (int i = 0; i < mapped.Length; i++)
        {
            last[mapped[i].Id] = i;
        }

        List<MappedRecord> unique = last.Count == mapped.Length ? [.. mapped] : [.. last.Values.Order().Select(i => mapped[i])];
        int batch = await Client.MaxBatchSizeAsync(cancellationToken).ConfigureAwait(false);
        foreach (MappedRecord[] chunk in unique.Chunk(batch))
        {
            MappedRecord[] part = _listFlagPrefixes.Length == 0 ? chunk : await RemovingStaleListFlagsAsync(chunk, cancellationToken).ConfigureAwait(false);
            using JsonDocument? _ = await SendToCollectionAsync("upsert", "Upsert", writer => WriteUpsert(writer, part), cancellationToken).ConfigureAwait(false);
        }

        for (int i = 0; i < list.Count; i++)
        {
            if (generatedKey[i])
            {
                _model.KeyProperty.SetValueAsObject(list[i], mapped[i].Key);
            }
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreCollectionMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    private Task<List<TRecord>> GetByIdsAsync(IReadOnlyCollection<string> ids, bool includeVectors, CancellationToken cancellationToken)
        => ReadAsync("get", "Get", writer =>
        {
            writer.WriteStartObject();
            WriteIds(writer, ids);
            WriteInclude(writer, includeVectors, distances: false);
            writer.WriteEndObject();
        }, includeVectors, cancellationToken);

    /// <summary>Sends a get request and materializes the records of its reply (flat <c>ids</c>, <c>metadatas</c>, <c>embeddings</c> arrays).</summary>
    private async Task<List<TRecord>> ReadAsync(string action, string operation, Action<Utf8JsonWriter> body, bool includeVectors, CancellationToken cancellationToken)
    {
        using JsonDocument reply = (await SendToCollectionAsync(action, operation, body, cancellationToken).ConfigureAwait(false))!;
        JsonElement root = reply.RootElement;
        JsonElement ids = root.GetProperty("ids");
        JsonElement metadatas = root.TryGetProperty("metadatas", out JsonElement m) ? m : default;
        JsonElement embeddings = includeVectors && root.TryGetProperty("embeddings", out JsonElement e) ? e : default;
        var records = new List<TRecord>(ids.GetArrayLength());
        int i = 0;
        foreach (JsonElement id in ids.EnumerateArray())
        {
            records.Add(Materialize(
                id.GetString()!,
                metadatas.ValueKind == JsonValueKind.Array ? metadatas[i] : default,
                embeddings.ValueKind == JsonValueKind.Array ? embeddings[i] : default));
            i++;
        }

        return records;
    }

    /// <summary>Sends a request to <c>collections/{id}/{action}</c>; when the cached id is stale (the collection was deleted and created again), finds the collection again once.</summary>
    private async Task<JsonDocument?> SendToCollectionAsync(string action, string operation, Action<Utf8JsonWriter> body, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            string? id = Volatile.Read(ref _id);
            bool cached = id is not null;
            id ??= await _store.FindCollectionAsync(Name, operation, cancellationToken).ConfigureAwait(false)
                ?? throw Client.Error(Name, operation, "the collection does not exist; call EnsureCollectionExistsAsync first", null);
            Volatile.Write(ref _id, id);
            JsonDocument? reply = await Client.SendAsync(
                HttpMethod.Post, $"{Client.DatabasePath}/collections/{id}/{action}", body, Name, operation, cancellationToken, notFoundIsNull: cached && attempt == 0).ConfigureAwait(false);
            if (reply is not null)
            {
                return reply;
            }

            _ = Interlocked.CompareExchange(ref _id, null, id);
        }
    }

    private static void WriteIds(Utf8JsonWriter writer, IEnumerable<string> ids)
    {
        writer.WriteStartArray("ids");
        foreach (string id in ids)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }

    private static void WriteInclude(Utf8JsonWriter writer, bool includeVectors, bool distances)
    {
        writer.WriteStartArray("include");
        writer.WriteStringValue("metadatas");
        if (includeVectors)
        {
            writer.WriteStringValue("embeddings");
        }

        if (distances)
        {
            writer.WriteStringValue("distances");
        }

        writer.WriteEndArray();
    }
}
