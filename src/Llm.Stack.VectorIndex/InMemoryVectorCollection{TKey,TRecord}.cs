// RS0026: the overloads with optional parameters are the MEVD base class's, which these members override.
#pragma warning disable RS0026
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// A collection of the <see cref="InMemoryVectorStore"/>: records mapped from attributes or a
/// <see cref="VectorStoreCollectionDefinition"/>, vectors in contiguous fixed-stride storage with precomputed norms,
/// exact SIMD search with bounded top-k selection, LINQ filters compiled into pre-filters of the scan.
/// </summary>
/// <typeparam name="TKey">The key type: <see cref="Guid"/>, <see cref="string"/>, <see cref="int"/> or <see cref="long"/> (<see cref="object"/> for dynamic collections).</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// <para>Thread-safety: all members are safe to call concurrently. Every operation is atomic with respect to the
/// others: a search or get observes an upsert batch or a delete either completely or not at all and never a
/// partly written vector. Searches and gets run in parallel; writes are serialized per collection.</para>
/// <para>Records are copied on upsert (keys, data values and vectors); a record returned by a get or a search is a new
/// instance. Reference-typed data values (lists, arrays) are stored by reference: do not mutate them after upsert.</para>
/// <para>Bad input (wrong dimensions, NaN or infinite components, a zero vector under a cosine function, a null or
/// empty key) throws <see cref="ArgumentException"/> and a rejected batch changes nothing.</para>
/// </remarks>
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed class InMemoryVectorCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, IKeywordHybridSearchable<TRecord>
#pragma warning restore CA1711
    where TKey : notnull
    where TRecord : class
{
    private static readonly VectorSearchOptions<TRecord> DefaultSearchOptions = new();

    private readonly InMemoryVectorStore _store;
    private readonly CollectionModel _model;
    private readonly CollectionSchema _schema;
    private readonly VectorStoreCollectionMetadata _metadata;
    private readonly bool _dynamic;
    private CollectionBinding? _binding;

    internal InMemoryVectorCollection(InMemoryVectorStore store, string name, VectorStoreCollectionDefinition? definition, bool dynamic)
    {
        _store = store;
        Name = name;
        _dynamic = dynamic;
        var builder = new InMemoryModelBuilder();
        _model = dynamic
            ? builder.BuildDynamic(definition!, store.EmbeddingGenerator)
            : builder.Build(typeof(TRecord), typeof(TKey), definition, store.EmbeddingGenerator);
        if (!dynamic && _model.KeyProperty.Type != typeof(TKey))
        {
            throw new ArgumentException(
                $"The key property '{_model.KeyProperty.ModelName}' has type '{_model.KeyProperty.Type.Name}' but the collection's key type is '{typeof(TKey).Name}'.", nameof(definition));
        }

        _schema = CollectionSchema.FromModel(_model, store.Quantization, store.QuantizedFlatEncoding);
        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = InMemoryVectorStore.SystemName, CollectionName = name };
    }

    /// <inheritdoc />
    public override string Name { get; }

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

            data.CompactIfWorthwhile();
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
        ArgumentNullException.ThrowIfNull(records);
        List<TRecord> list = [.. records];
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is null)
            {
                throw new ArgumentException($"The record at index {i} is null.", nameof(records));
            }
        }

        if (list.Count == 0)
        {
            return;
        }

        // Generate the embeddings of non-vector "vector" properties first (outside the lock), one batch per property.
        var generated = new IReadOnlyList<Embedding>?[_model.VectorProperties.Count];
        var modelIds = new string?[_model.VectorProperties.Count];
        for (int p = 0; p < _model.VectorProperties.Count; p++)
        {
            VectorPropertyModel property = _model.VectorProperties[p];
            if (!InMemoryModelBuilder.IsNativeVectorType(property.Type))
            {
                generated[p] = await property.GenerateEmbeddingsAsync(list.Select(r => property.GetValueAsObject(r)), cancellationToken).ConfigureAwait(false);
                if (generated[p]!.Count != list.Count)
                {
                    throw new InvalidOperationException(
                        $"The embedding generator of property '{property.ModelName}' returned {generated[p]!.Count} embeddings for {list.Count} inputs.");
                }

                modelIds[p] = generated[p]!.Count > 0 ? generated[p]![0].ModelId : null;
                modelIds[p] ??= (property.EmbeddingGenerator?.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata)?.DefaultModelId;
            }
        }

        CollectionBinding binding = GetBinding("Upsert");
        CollectionSchema schema = binding.Data.Schema;

        // Validate and copy everything before touching the stored data, so that a rejected batch changes nothing.
        var keys = new object[list.Count];
        var allValues = new object?[list.Count][];
        var allVectors = new float[]?[list.Count][];
        bool[] generatedKey = new bool[list.Count];
        KeyPropertyModel keyProperty = _model.KeyProperty;
        for (int i = 0; i < list.Count; i++)
        {
            TRecord record = list[i];
            object? rawKey = keyProperty.GetValueAsObject(record);
            if (keyProperty.IsAutoGenerated && (rawKey is null || (rawKey is Guid g && g == Guid.Empty)))
            {
                rawKey = Guid.NewGuid();
                generatedKey[i] = true;
            }

            keys[i] = NormalizeKey(rawKey, nameof(records), i);
            var values = new object?[schema.ValueCount];
            values[schema.KeyIndex] = keys[i];
            for (int d = 0; d < _model.DataProperties.Count; d++)
            {
                values[binding.DataColumns[d]] = _model.DataProperties[d].GetValueAsObject(record);
            }

            var vectors = new float[]?[schema.Vectors.Length];
            for (int p = 0; p < _model.VectorProperties.Count; p++)
            {
                VectorPropertyModel property = _model.VectorProperties[p];
                int column = binding.VectorColumns[p];
                ReadOnlyMemory<float>? vector;
                if (generated[p] is IReadOnlyList<Embedding> embeddings)
                {
                    values[schema.Data.Length + column] = property.GetValueAsObject(record);
                    vector = embeddings[i] is Embedding<float> e
                        ? e.Vector
                        : throw new InvalidOperationException($"The embedding generator of property '{property.ModelName}' must produce Embedding<float>.");
                }
                else
                {
                    vector = property.GetValueAsObject(record) switch
                    {
                        null => null,
                        ReadOnlyMemory<float> m => m,
                        float[] a => a,
                        Embedding<float> e => e.Vector,
                        object other => throw new ArgumentException(
                            $"Vector property '{property.ModelName}' of record '{keys[i]}' holds a '{other.GetType().Name}'; expected {InMemoryModelBuilder.SupportedVectorTypes}.", nameof(records)),
                    };
                }

                // A nullable vector property (ReadOnlyMemory<float>?) may surface an absent vector as an empty one.
                if (vector is { Length: 0 } && property.Type == typeof(ReadOnlyMemory<float>?))
                {
                    vector = null;
                }

                if (vector is ReadOnlyMemory<float> v)
                {
                    ValidateVector(v.Span, schema.Vectors[column], $"Vector property '{property.ModelName}' of record '{keys[i]}'", nameof(records));
                    vectors[column] = v.ToArray();
                }
            }

            allValues[i] = values;
            allVectors[i] = vectors;
        }

        CollectionData data = binding.Data;
        data.Lock.EnterWriteLock();
        try
        {
            data.Reserve(list.Count);
            for (int i = 0; i < list.Count; i++)
            {
                data.Upsert(keys[i], allValues[i], allVectors[i]);
            }

            for (int p = 0; p < modelIds.Length; p++)
            {
                if (modelIds[p] is string id)
                {
                    data.Columns[binding.VectorColumns[p]].EmbeddingModelId = id;
                }
            }
        }
        finally
        {
            data.Lock.ExitWriteLock();
        }

        for (int i = 0; i < list.Count; i++)
        {
            if (generatedKey[i])
            {
                keyProperty.SetValueAsObject(list[i], keys[i]);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Exact search: every live record that passes the filter is scored with the property's distance function, and the
    /// best <c>Skip + top</c> are kept by a bounded heap (no full sort). Scores follow MEVD semantics: higher is better for
    /// CosineSimilarity and DotProductSimilarity, lower is better for the distances and NegativeDotProductSimilarity.
    /// </remarks>
    /// <exception cref="ArgumentException">The search vector has the wrong dimensions, a NaN or infinite component, or is zero under a cosine function.</exception>
    /// <exception cref="NotSupportedException">The filter uses an unsupported expression, or the input is not a vector and no embedding generator is configured.</exception>
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        options ??= DefaultSearchOptions;
        bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
        VectorPropertyModel property = _model.GetVectorPropertyOrSingle(options);
        ReadOnlyMemory<float> query = await ResolveQueryAsync(searchValue, property, cancellationToken).ConfigureAwait(false);
        CollectionBinding binding = GetBinding("Search");
        Func<object?[], bool>? predicate = options.Filter is null ? null : FilterCompiler.Compile(options.Filter, _model, binding);

        List<VectorSearchResult<TRecord>> results = Search(binding, property, query, top, options.Skip, options.ScoreThreshold, predicate, includeVectors);
        foreach (VectorSearchResult<TRecord> result in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return result;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Hybrid search fuses two rankings by reciprocal rank fusion (<c>k</c> from
    /// <see cref="InMemoryVectorStoreOptions.HybridRankConstant"/>, 60 by default): the exact vector ranking and the BM25
    /// ranking of <paramref name="keywords"/> over the full-text-indexed string property (the one named by
    /// <see cref="HybridSearchOptions{TRecord}.AdditionalProperty"/>, or the only one). The filter applies to both
    /// rankings before fusion. Each ranking contributes its best <c>max(50, 2 × (Skip + top))</c> records. The score of a
    /// result is its fused score (higher is better), which is also what <see cref="HybridSearchOptions{TRecord}.ScoreThreshold"/>
    /// is compared with.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="searchValue"/> or <paramref name="keywords"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is zero or negative.</exception>
    public async IAsyncEnumerable<VectorSearchResult<TRecord>> HybridSearchAsync<TInput>(
        TInput searchValue,
        ICollection<string> keywords,
        int top,
        HybridSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        options ??= new HybridSearchOptions<TRecord>();
        bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
        VectorPropertyModel vectorProperty = _model.GetVectorPropertyOrSingle(new VectorSearchOptions<TRecord> { VectorProperty = options.VectorProperty });
        DataPropertyModel textProperty = _model.GetFullTextDataPropertyOrSingle(options.AdditionalProperty);
        ReadOnlyMemory<float> query = await ResolveQueryAsync(searchValue, vectorProperty, cancellationToken).ConfigureAwait(false);
        CollectionBinding binding = GetBinding("HybridSearch");
        Func<object?[], bool>? predicate = options.Filter is null ? null : FilterCompiler.Compile(options.Filter, _model, binding);
        string text = string.Join(' ', keywords.Where(k => !string.IsNullOrWhiteSpace(k)));

        CollectionData data = binding.Data;
        int column = binding.VectorColumns[IndexOf(_model.VectorProperties, vectorProperty)];
        VectorColumnSpec spec = data.Schema.Vectors[column];
        ValidateVector(query.Span, spec, "The search vector", nameof(searchValue));
        Bm25Index<object> textIndex = data.TextIndexes[binding.DataColumns[IndexOf(_model.DataProperties, textProperty)]]
            ?? throw new InvalidOperationException($"Data property '{textProperty.ModelName}' is not a full-text-indexed string property.");
        int depth = (int)Math.Min(int.MaxValue / 2, Math.Max(50, 2L * (options.Skip + top)));
        var results = new List<VectorSearchResult<TRecord>>();
        data.Lock.EnterReadLock();
        try
        {
            (float Goodness, int Slot)[] vectorHits = FlatSearch.Search(data, column, query, Math.Min(depth, Math.Max(1, data.Count)), predicate, _store.MaxDegreeOfParallelism, _store.QuantizationOversampling);
            IReadOnlyList<object> vectorKeys = [.. vectorHits.Select(h => data.Keys[h.Slot]!)];
            IReadOnlyList<object> keywordKeys = text.Length == 0 ? [] : [.. textIndex.Search(
                text,
                depth,
                predicate is null ? null : key => data.TryGetSlot(key, out int slot) && predicate(data.Values[slot]!)).Select(m => m.Key)];
            IReadOnlyList<FusedResult<object>> fused = RankFusion.ReciprocalRank([vectorKeys, keywordKeys], _store.HybridRankConstant, options.Skip + top);
            for (int i = options.Skip; i < fused.Count; i++)
            {
                if (options.ScoreThreshold is double threshold && fused[i].Score < threshold)
                {
                    break;
                }

                if (data.TryGetSlot(fused[i].Item, out int slot))
                {
                    results.Add(new VectorSearchResult<TRecord>(Materialize(binding, slot, includeVectors), fused[i].Score));
                }
            }
        }
        finally
        {
            data.Lock.ExitReadLock();
        }

        foreach (VectorSearchResult<TRecord> result in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return result;
        }
    }

    /// <summary>Searches with many query vectors in one call, reading each stored vector from memory once per block of queries.</summary>
    /// <param name="queries">The query vectors.</param>
    /// <param name="top">The maximum number of results per query.</param>
    /// <param name="options">The search options (filter, vector property, skip, score threshold, include vectors), applied to every query.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>One result list per query, in the order of <paramref name="queries"/>, each best first with MEVD scores.</returns>
    /// <remarks>
    /// Meant for evaluation runs, multi-query retrieval and re-indexing: rows are scanned in cache-sized blocks, and each
    /// block is scored against a group of queries before the next block is read, so memory traffic is shared by the
    /// queries; groups of queries run on up to <see cref="InMemoryVectorStoreOptions.MaxDegreeOfParallelism"/> cores.
    /// For the dot-product and cosine functions a register-blocked kernel scores four queries against four rows at a
    /// time and each query's candidates are rescored with the one-query kernel, so every query's results and scores equal
    /// those of <see cref="SearchAsync{TInput}"/> with the same options.
    /// The search is exact float32 even for quantized properties. All queries see the same state of the collection.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="queries"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is zero or negative.</exception>
    /// <exception cref="ArgumentException">A query has the wrong dimensions, a NaN or infinite component, or is zero under a cosine function.</exception>
    public Task<IReadOnlyList<IReadOnlyList<VectorSearchResult<TRecord>>>> SearchBatchAsync(
        IReadOnlyList<ReadOnlyMemory<float>> queries,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        options ??= DefaultSearchOptions;
        bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
        VectorPropertyModel property = _model.GetVectorPropertyOrSingle(options);
        CollectionBinding binding = GetBinding("SearchBatch");
        Func<object?[], bool>? predicate = options.Filter is null ? null : FilterCompiler.Compile(options.Filter, _model, binding);
        int column = binding.VectorColumns[IndexOf(_model.VectorProperties, property)];
        CollectionData data = binding.Data;
        VectorColumnSpec spec = data.Schema.Vectors[column];
        float[][] q = new float[queries.Count][];
        for (int i = 0; i < q.Length; i++)
        {
            ValidateVector(queries[i].Span, spec, $"Query {i}", nameof(queries));
            q[i] = queries[i].ToArray();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var results = new IReadOnlyList<VectorSearchResult<TRecord>>[q.Length];
        data.Lock.EnterReadLock();
        try
        {
            int k = (int)Math.Min(Math.Max(1, data.Count), (long)top + options.Skip);
            (float Goodness, int Slot)[][] best = FlatSearch.SearchBatch(data, column, q, k, predicate, _store.MaxDegreeOfParallelism);
            for (int i = 0; i < q.Length; i++)
            {
                var list = new List<VectorSearchResult<TRecord>>(Math.Min(top, best[i].Length));
                for (int j = options.Skip; j < best[i].Length; j++)
                {
                    double score = FlatSearch.ToScore(spec.Distance, best[i][j].Goodness);
                    if (options.ScoreThreshold is double threshold && !FlatSearch.PassesThreshold(spec.Distance, score, threshold))
                    {
                        break;
                    }

                    list.Add(new VectorSearchResult<TRecord>(Materialize(binding, best[i][j].Slot, includeVectors), score));
                }

                results[i] = list;
            }
        }
        finally
        {
            data.Lock.ExitReadLock();
        }

        return Task.FromResult<IReadOnlyList<IReadOnlyList<VectorSearchResult<TRecord>>>>(results);
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

    internal List<VectorSearchResult<TRecord>> Search(
        CollectionBinding binding,
        VectorPropertyModel property,
        ReadOnlyMemory<float> query,
        int top,
        int skip,
        double? scoreThreshold,
        Func<object?[], bool>? predicate,
        bool includeVectors)
    {
        int column = binding.VectorColumns[IndexOf(_model.VectorProperties, property)];
        CollectionData data = binding.Data;
        VectorColumnSpec spec = data.Schema.Vectors[column];
        ValidateVector(query.Span, spec, "The search vector", "searchValue");
        int k = (int)Math.Min(int.MaxValue, (long)top + skip);
        var results = new List<VectorSearchResult<TRecord>>(Math.Min(top, 1024));
        data.Lock.EnterReadLock();
        try
        {
            k = Math.Min(k, Math.Max(1, data.Count));
            (float Goodness, int Slot)[] best = FlatSearch.Search(data, column, query, k, predicate, _store.MaxDegreeOfParallelism, _store.QuantizationOversampling);
            for (int i = skip; i < best.Length; i++)
            {
                double score = FlatSearch.ToScore(spec.Distance, best[i].Goodness);
                if (scoreThreshold is double threshold && !FlatSearch.PassesThreshold(spec.Distance, score, threshold))
                {
                    break;
                }

                results.Add(new VectorSearchResult<TRecord>(Materialize(binding, best[i].Slot, includeVectors), score));
            }
        }
        finally
        {
            data.Lock.ExitReadLock();
        }

        return results;
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

    internal static void ValidateVector(ReadOnlySpan<float> vector, VectorColumnSpec spec, string what, string paramName)
    {
        if (vector.Length != spec.Dimensions)
        {
            throw new ArgumentException($"{what} has {vector.Length} dimensions; the property '{spec.Name}' has {spec.Dimensions}.", paramName);
        }

        bool nonZero = false;
        for (int i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new ArgumentException($"{what} has a non-finite component ({vector[i]}) at index {i}.", paramName);
            }

            nonZero |= vector[i] != 0;
        }

        if (!nonZero && Distances.NeedsNorm(spec.Distance))
        {
            throw new ArgumentException($"{what} is a zero vector, for which {Distances.Name(spec.Distance)} is undefined.", paramName);
        }
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

    private bool CheckIncludeVectors(bool includeVectors)
    {
        if (includeVectors && _model.EmbeddingGenerationRequired)
        {
            throw new NotSupportedException(VectorDataStrings.IncludeVectorsNotSupportedWithEmbeddingGeneration);
        }

        return includeVectors;
    }

    private object NormalizeKey(object? key, string paramName, int index = -1)
    {
        string where = index < 0 ? string.Empty : $" (record at index {index})";
        switch (key)
        {
            case null:
                throw new ArgumentException($"The key is null{where}.", paramName);
            case string s when s.Length == 0:
                throw new ArgumentException($"The key is an empty string{where}.", paramName);
        }

        Type keyType = _schema.KeyType;
        if (key.GetType() == keyType)
        {
            return key;
        }

        if (_dynamic)
        {
            try
            {
                return keyType == typeof(Guid) && key is string text ? Guid.Parse(text) : Convert.ChangeType(key, keyType, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
            {
                throw new ArgumentException($"The key '{key}' of type '{key.GetType().Name}' cannot be converted to the collection's key type '{keyType.Name}'{where}.", paramName, e);
            }
        }

        throw new ArgumentException($"The key has type '{key.GetType().Name}'; expected '{keyType.Name}'{where}.", paramName);
    }

    private static async ValueTask<ReadOnlyMemory<float>> ResolveQueryAsync<TInput>(TInput searchValue, VectorPropertyModel property, CancellationToken cancellationToken)
    {
        switch (searchValue)
        {
            case ReadOnlyMemory<float> m:
                return m;
            case float[] a:
                return a;
            case Embedding<float> e:
                return e.Vector;
        }

        if (property.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator)
        {
            GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync([searchValue], cancellationToken: cancellationToken).ConfigureAwait(false);
            return embeddings[0].Vector;
        }

        throw property.EmbeddingGenerator is null
            ? new NotSupportedException(VectorDataStrings.InvalidSearchInputAndNoEmbeddingGeneratorWasConfigured(searchValue!.GetType(), InMemoryModelBuilder.SupportedVectorTypes))
            : new InvalidOperationException(VectorDataStrings.IncompatibleEmbeddingGeneratorWasConfiguredForInputType(typeof(TInput), property.EmbeddingGenerator.GetType()));
    }

    private TRecord Materialize(CollectionBinding binding, int slot, bool includeVectors)
    {
        CollectionData data = binding.Data;
        object?[] values = data.Values[slot]!;
        TRecord record = _model.CreateRecord<TRecord>();
        _model.KeyProperty.SetValueAsObject(record, data.Keys[slot]);
        for (int d = 0; d < _model.DataProperties.Count; d++)
        {
            DataPropertyModel property = _model.DataProperties[d];
            if (property.PropertyInfo is null or { CanWrite: true })
            {
                property.SetValueAsObject(record, values[binding.DataColumns[d]]);
            }
        }

        for (int p = 0; p < _model.VectorProperties.Count; p++)
        {
            VectorPropertyModel property = _model.VectorProperties[p];
            int column = binding.VectorColumns[p];
            if (!InMemoryModelBuilder.IsNativeVectorType(property.Type))
            {
                // The source value of a generated embedding (for example the text); a computed property has no setter.
                if (property.PropertyInfo is null or { CanWrite: true })
                {
                    property.SetValueAsObject(record, values[data.Schema.Data.Length + column]);
                }
            }
            else if (includeVectors && data.Columns[column].Present[slot])
            {
                float[] copy = data.Columns[column].Row(slot).ToArray();
                object vector = property.Type == typeof(float[]) ? copy
                    : property.Type == typeof(Embedding<float>) ? new Embedding<float>(copy)
                    : new ReadOnlyMemory<float>(copy);
                property.SetValueAsObject(record, vector);
            }
        }

        return record;
    }
}
