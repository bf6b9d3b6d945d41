// RS0026: the overloads with optional parameters are the MEVD base class's, which these members override.
#pragma warning disable RS0026
using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// A collection of the <see cref="InMemoryVectorStore"/>: records mapped from attributes or a
/// <see cref="VectorStoreCollectionDefinition"/>, vectors in contiguous fixed-stride storage with precomputed norms,
/// exact SIMD search with bounded top-k selection, LINQ filters compiled into pre-filters of the scan.
/// </summary>
/// <typeparam name="TKey">The key type: <see cref="Guid"/>, <see cref="string"/>, <see cref="int"/> or <see cref="long"/> (<see cref="object"/> for dynamic collections).</typeparam>
/// <typeparam name="TRecord">The record type: a public parameterless constructor and public properties, which a trimmed
/// application keeps for this type (see <see cref="InMemoryVectorCollection{TKey, TRecord}(InMemoryVectorStore, string, VectorStoreCollectionDefinition?)"/>).</typeparam>
/// <remarks>
/// <para>Thread-safety: all members are safe to call concurrently. Every operation is atomic with respect to the
/// others: a search or get observes an upsert batch or a delete either completely or not at all and never a
/// partly written vector. Searches and gets run in parallel; writes are serialized per collection.</para>
/// <para>HNSW properties (<c>IndexKind.Hnsw</c>, see <see cref="InMemoryVectorStoreOptions.Hnsw"/>): search is approximate
/// (tune it with <see cref="HnswOptions.EfSearch"/> or per query with <see cref="HnswSearchOptions{TRecord}"/>); the rest of
/// the API behaves as for exact properties. So that searches can run while a large batch is indexed, a batch of more than
/// 4,096 records is stored and linked in consecutive chunks of 4,096, each atomic and on all cores: a concurrent search
/// sees a prefix of the batch's chunks, never a record that is stored but not yet linked. Validation still covers the
/// whole batch first, so a rejected batch changes nothing. An updated record gets a new graph node (its old node becomes a
/// tombstone, repaired away when the collection compacts or is saved).</para>
/// <para>Records are copied on upsert (keys, data values and vectors); a record returned by a get or a search is a new
/// instance. Reference-typed data values (lists, arrays) are stored by reference: do not mutate them after upsert.</para>
/// <para>Bad input (wrong dimensions, NaN or infinite components, a zero vector under a cosine function, a null or
/// empty key) throws <see cref="ArgumentException"/> and a rejected batch changes nothing.</para>
/// </remarks>
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class InMemoryVectorCollection<TKey, [DynamicallyAccessedMembers(InMemoryVectorStore.RecordMembers)] TRecord> : VectorStoreCollection<TKey, TRecord>, IKeywordHybridSearchable<TRecord>
#pragma warning restore CA1711
    where TKey : notnull
    where TRecord : class
{
    /// <summary>How many records of a batch are stored and linked under one hold of the write lock when the collection has an HNSW graph.</summary>
    internal const int GraphChunk = 4096;

    private static readonly VectorSearchOptions<TRecord> DefaultSearchOptions = new();

    private readonly InMemoryVectorStore _store;
    private readonly CollectionModel _model;
    private readonly CollectionSchema _schema;
    private readonly VectorStoreCollectionMetadata _metadata;
    private readonly bool _dynamic;
    private CollectionBinding? _binding;

    /// <summary>
    /// Initializes a handle on the collection <paramref name="name"/> of <paramref name="store"/>, as
    /// <see cref="InMemoryVectorStore.GetCollection{TKey, TRecord}"/> does, in a way that trimming supports: a trimmed
    /// application that creates its collections with this constructor keeps the public parameterless constructor and
    /// the public properties of <typeparamref name="TRecord"/> that the record mapping reads, with no trim warning.
    /// </summary>
    /// <param name="store">The store that holds the collection's data.</param>
    /// <param name="name">The collection's name.</param>
    /// <param name="definition">The record definition; <see langword="null"/> to read the mapping from the attributes of <typeparamref name="TRecord"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or white space, <typeparamref name="TRecord"/> is <c>Dictionary&lt;string, object?&gt;</c> (use <see cref="InMemoryVectorStore.GetDynamicCollection"/>), or the record mapping is invalid.</exception>
    /// <exception cref="NotSupportedException">A key or vector property has a type the store does not support.</exception>
    public InMemoryVectorCollection(InMemoryVectorStore store, string name, VectorStoreCollectionDefinition? definition = null)
        : this(ValidateArguments(store, name), name, definition, dynamic: false)
    {
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The model builder reflects on TRecord's public parameterless constructor and public properties, which the DynamicallyAccessedMembers annotation on TRecord keeps.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The record mapping reads and writes properties through reflection only; see the annotation on TRecord.")]
    internal InMemoryVectorCollection(InMemoryVectorStore store, string name, VectorStoreCollectionDefinition? definition, bool dynamic)
    {
        _store = store;
        Name = name;
        _dynamic = dynamic;
        var builder = new InMemoryModelBuilder(store.DefaultIndexKind);
        _model = dynamic
            ? builder.BuildDynamic(definition!, store.EmbeddingGenerator)
            : builder.Build(typeof(TRecord), typeof(TKey), definition, store.EmbeddingGenerator);
        if (!dynamic && _model.KeyProperty.Type != typeof(TKey))
        {
            throw new ArgumentException(
                $"The key property '{_model.KeyProperty.ModelName}' has type '{_model.KeyProperty.Type.Name}' but the collection's key type is '{typeof(TKey).Name}'.", nameof(definition));
        }

        _schema = CollectionSchema.FromModel(_model, store.Quantization, store.QuantizedFlatEncoding, store.HnswFor(name));
        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = InMemoryVectorStore.SystemName, CollectionName = name };
    }

    /// <inheritdoc />
    public override string Name { get; }

    private static InMemoryVectorStore ValidateArguments(InMemoryVectorStore store, string name)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (typeof(TRecord) == typeof(Dictionary<string, object?>))
        {
#pragma warning disable CA2208 // The argument at fault is the type argument TRecord.
            throw new ArgumentException("Use GetDynamicCollection for collections of Dictionary<string, object?> records.", nameof(TRecord));
#pragma warning restore CA2208
        }

        return store;
    }

    internal CollectionModel Model => _model;

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default)
        => Task.FromResult(_store.TryGetData(Name) is not null);

    /// <inheritdoc />
    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        CollectionData data = _store.GetOrAddData(Name, () => new CollectionData(Name, _schema));
        _ = Bind(data);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        _ = _store.RemoveData(Name);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        object k = NormalizeKey(key, nameof(key));
        bool includeVectors = CheckIncludeVectors(options?.IncludeVectors ?? false);
        CollectionBinding binding = GetBinding("Get");
        CollectionData data = binding.Data;
        data.Lock.EnterReadLock();
        try
        {
            return Task.FromResult(data.TryGetSlot(k, out int slot) ? Materialize(binding, slot, includeVectors) : null);
        }
        finally
        {
            data.Lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(
        IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var normalized = keys.Select(k => NormalizeKey(k, nameof(keys))).ToList();
        bool includeVectors = CheckIncludeVectors(options?.IncludeVectors ?? false);
        CollectionBinding binding = GetBinding("Get");
        CollectionData data = binding.Data;
        var results = new List<TRecord>(normalized.Count);
        data.Lock.EnterReadLock();
        try
        {
            foreach (object k in normalized)
            {
                if (data.TryGetSlot(k, out int slot))
                {
                    results.Add(Materialize(binding, slot, includeVectors));
                }
            }
        }
        finally
        {
            data.Lock.ExitReadLock();
        }

        foreach (TRecord record in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The filter or an order-by selector uses an expression the store cannot evaluate; the message names the node.</exception>
    public override async IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter,
        int top,
        FilteredRecordRetrievalOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
        CollectionBinding binding = GetBinding("Get");
        Func<object?[], bool> predicate = FilterCompiler.Compile(filter, _model, binding);
        IReadOnlyList<FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition.SortInfo> orderBy =
            options.OrderBy?.Invoke(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition()).Values ?? [];
        var sortColumns = new (int Column, bool Ascending)[orderBy.Count];
        for (int i = 0; i < orderBy.Count; i++)
        {
            PropertyModel property = _model.GetDataOrKeyProperty(orderBy[i].PropertySelector);
            sortColumns[i] = (property is KeyPropertyModel ? -1 : binding.DataColumns[IndexOf(_model.DataProperties, property)], orderBy[i].Ascending);
        }

        CollectionData data = binding.Data;
        var results = new List<TRecord>();
        data.Lock.EnterReadLock();
        try
        {
            long wanted = (long)options.Skip + top;
            var slots = new List<int>();
            for (int slot = 0; slot < data.HighWater; slot++)
            {
                if (data.Values[slot] is object?[] values && predicate(values))
                {
                    slots.Add(slot);
                    if (sortColumns.Length == 0 && slots.Count >= wanted)
                    {
                        break;
                    }
                }
            }

            if (sortColumns.Length > 0)
            {
                slots.Sort((a, b) => CompareSlots(data, sortColumns, a, b));
            }

            for (int i = options.Skip; i < slots.Count && i < wanted; i++)
            {
                results.Add(Materialize(binding, slots[i], includeVectors));
            }
        }
        finally
        {
            data.Lock.ExitReadLock();
        }

        foreach (TRecord record in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default)
        => DeleteAsync([key], cancellationToken);

    /// <inheritdoc />
    public override Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var normalized = keys.Select(k => NormalizeKey(k, nameof(keys))).ToList();
        CollectionData data = GetBinding("Delete").Data;
        data.Lock.EnterWriteLock();
        try
        {
            foreach (object k in normalized)
            {
                _ = data.Remove(k);
            }

            int tombstones = data.Tombstones;
            data.CompactIfWorthwhile();
            if (data.Tombstones < tombstones)
            {
                VectorIndexLog.Compacted(_store.Logger, Name, tombstones - data.Tombstones, data.Count);
            }
        }
        finally
        {
            data.Lock.ExitWriteLock();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The batch is all-or-nothing: when any record is invalid, an exception is thrown and nothing is stored.</remarks>
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        List<TRecord> list = ConnectorRecords.ToCheckedList(records, nameof(records));

        if (list.Count == 0)
        {
            return;
        }

        (CollectionBinding binding, StoredRecords stored) = await MapRecordsAsync(list, cancellationToken).ConfigureAwait(false);
        CollectionData data = binding.Data;
        int chunk = data.HasGraph ? GraphChunk : list.Count;
        for (int start = 0; start < list.Count; start += chunk)
        {
            int end = Math.Min(list.Count, start + chunk);
            data.Lock.EnterWriteLock();
            try
            {
                data.Reserve(list.Count - start); // the whole rest of the batch at once: no doubling slack
                int first = data.HighWater;
                for (int i = start; i < end; i++)
                {
                    _ = data.Upsert(stored.Keys[i], stored.Values[i], stored.Vectors[i], linkNow: false);
                }

                // The records of a chunk sit in slots [first, HighWater): link them into each graph, on all cores when many.
                int parallelism = data.HighWater - first >= 256 ? _store.MaxDegreeOfParallelism : 1;
                foreach (VectorColumn column in data.Columns)
                {
                    column.Graph?.Build(first, data.HighWater, parallelism);
                }

                for (int p = 0; p < stored.ModelIds.Length; p++)
                {
                    if (stored.ModelIds[p] is string id)
                    {
                        data.Columns[binding.VectorColumns[p]].EmbeddingModelId = id;
                    }
                }
            }
            finally
            {
                data.Lock.ExitWriteLock();
            }
        }

        for (int i = 0; i < list.Count; i++)
        {
            if (stored.GeneratedKey[i])
            {
                _model.KeyProperty.SetValueAsObject(list[i], stored.Keys[i]);
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

    internal CollectionBinding GetBinding(string operation)
    {
        CollectionData data = _store.TryGetData(Name) ?? throw new VectorStoreException($"Collection '{Name}' does not exist; call EnsureCollectionExistsAsync first.")
        {
            VectorStoreSystemName = InMemoryVectorStore.SystemName,
            CollectionName = Name,
            OperationName = operation,
        };
        return Bind(data);
    }

    private static int IndexOf<T>(IReadOnlyList<T> list, object item)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (ReferenceEquals(list[i], item))
            {
                return i;
            }
        }

        throw new InvalidOperationException("The property does not belong to this collection's model.");
    }

    private static int CompareSlots(CollectionData data, (int Column, bool Ascending)[] columns, int a, int b)
    {
        foreach ((int column, bool ascending) in columns)
        {
            object? x = column < 0 ? data.Keys[a] : data.Values[a]![column];
            object? y = column < 0 ? data.Keys[b] : data.Values[b]![column];
            int c = Comparer<object?>.Default.Compare(x, y);
            if (c != 0)
            {
                return ascending ? c : -c;
            }
        }

        return a.CompareTo(b);
    }

    private CollectionBinding Bind(CollectionData data)
    {
        CollectionBinding? binding = _binding;
        if (binding is null || !ReferenceEquals(binding.Data, data))
        {
            binding = CollectionBinding.Create(data, _model);
            _binding = binding;
        }

        return binding;
    }

}
