// RS0026: the overloads with optional parameters are the MEVD base class's, which these members override.
#pragma warning disable RS0026
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

// Vector, hybrid and batch search.
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class InMemoryVectorCollection<TKey, TRecord>
#pragma warning restore CA1711
{
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
        Activity? activity = VectorIndexTelemetry.StartSearch(Name, VectorIndexTelemetry.SearchOperation, top);
        long started = VectorIndexTelemetry.StartSearchTimer();
        List<VectorSearchResult<TRecord>> results;
        try
        {
            bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
            VectorPropertyModel property = _model.GetVectorPropertyOrSingle(options);
            ReadOnlyMemory<float> query = await ResolveQueryAsync(searchValue, property, cancellationToken).ConfigureAwait(false);
            CollectionBinding binding = GetBinding("Search");
            Func<object?[], bool>? predicate = options.Filter is null ? null : FilterCompiler.Compile(options.Filter, _model, binding);

            var hnsw = options as HnswSearchOptions<TRecord>;
            results = Search(binding, property, query, top, options.Skip, options.ScoreThreshold, predicate, includeVectors, hnsw?.EfSearch, hnsw?.ExactFilterCutoff);
            EndSearch(activity, started, VectorIndexTelemetry.SearchOperation, results);
        }
        catch (Exception e)
        {
            VectorIndexTelemetry.SetError(activity, e);
            throw;
        }
        finally
        {
            activity?.Dispose();
        }

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
        Activity? activity = VectorIndexTelemetry.StartSearch(Name, VectorIndexTelemetry.HybridSearchOperation, top);
        long started = VectorIndexTelemetry.StartSearchTimer();
        List<VectorSearchResult<TRecord>> results;
        try
        {
            results = await HybridSearchCoreAsync(searchValue, keywords, top, options, cancellationToken).ConfigureAwait(false);
            EndSearch(activity, started, VectorIndexTelemetry.HybridSearchOperation, results);
        }
        catch (Exception e)
        {
            VectorIndexTelemetry.SetError(activity, e);
            throw;
        }
        finally
        {
            activity?.Dispose();
        }

        foreach (VectorSearchResult<TRecord> result in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return result;
        }
    }

    private async Task<List<VectorSearchResult<TRecord>>> HybridSearchCoreAsync<TInput>(
        TInput searchValue, ICollection<string> keywords, int top, HybridSearchOptions<TRecord> options, CancellationToken cancellationToken)
        where TInput : notnull
    {
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
            (float Goodness, int Slot)[] vectorHits = SearchColumn(data, column, query, Math.Min(depth, Math.Max(1, data.Count)), predicate, efSearch: null);
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

        return results;
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
        using Activity? activity = VectorIndexTelemetry.StartSearch(Name, VectorIndexTelemetry.BatchSearchOperation, top);
        long started = VectorIndexTelemetry.StartSearchTimer();
        try
        {
            IReadOnlyList<IReadOnlyList<VectorSearchResult<TRecord>>> results = SearchBatch(queries, top, options, cancellationToken);
            activity?.SetTag(TelemetryTags.BatchSize, queries.Count);
            VectorIndexTelemetry.EndSearch(activity, started, Name, VectorIndexTelemetry.BatchSearchOperation, results.Sum(r => r.Count));
            return Task.FromResult(results);
        }
        catch (Exception e)
        {
            VectorIndexTelemetry.SetError(activity, e);
            throw;
        }
    }

    private IReadOnlyList<VectorSearchResult<TRecord>>[] SearchBatch(
        IReadOnlyList<ReadOnlyMemory<float>> queries, int top, VectorSearchOptions<TRecord> options, CancellationToken cancellationToken)
    {
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
            (float Goodness, int Slot)[][] best;
            if (data.Columns[column].Graph is null)
            {
                best = FlatSearch.SearchBatch(data, column, q, k, predicate, _store.MaxDegreeOfParallelism);
            }
            else
            {
                best = new (float Goodness, int Slot)[q.Length][];
                var hnsw = options as HnswSearchOptions<TRecord>;
                Parallel.For(0, q.Length, new ParallelOptions { MaxDegreeOfParallelism = _store.MaxDegreeOfParallelism }, i =>
                    best[i] = SearchColumn(data, column, q[i], k, predicate, hnsw?.EfSearch, maxDegreeOfParallelism: 1, hnsw?.ExactFilterCutoff));
            }
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

        return results;
    }

    internal List<VectorSearchResult<TRecord>> Search(
        CollectionBinding binding,
        VectorPropertyModel property,
        ReadOnlyMemory<float> query,
        int top,
        int skip,
        double? scoreThreshold,
        Func<object?[], bool>? predicate,
        bool includeVectors,
        int? efSearch = null,
        int? exactFilterCutoff = null)
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
            (float Goodness, int Slot)[] best = SearchColumn(data, column, query, k, predicate, efSearch, exactFilterCutoff: exactFilterCutoff);
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

    /// <summary>Ends a search's telemetry: its duration, result count and the keys of its results (only when the span records data).</summary>
    private void EndSearch(Activity? activity, long started, string operation, List<VectorSearchResult<TRecord>> results)
    {
        VectorIndexTelemetry.EndSearch(activity, started, Name, operation, results.Count);
        if (activity is { IsAllDataRequested: true })
        {
            var keys = new string?[results.Count];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = Convert.ToString(_model.KeyProperty.GetValueAsObject(results[i].Record!), CultureInfo.InvariantCulture);
            }

            activity.SetTag(TelemetryTags.RecordKeys, keys);
        }
    }

    private static ValueTask<ReadOnlyMemory<float>> ResolveQueryAsync<TInput>(TInput searchValue, VectorPropertyModel property, CancellationToken cancellationToken)
        => ConnectorRecords.ResolveQueryAsync(searchValue, property, cancellationToken);

    /// <summary>Searches one vector column: its HNSW graph when it has one, else the exact (or quantized) scan (caller holds the read lock).</summary>
    private (float Goodness, int Slot)[] SearchColumn(
        CollectionData data, int column, ReadOnlyMemory<float> query, int k, Func<object?[], bool>? predicate, int? efSearch, int maxDegreeOfParallelism = 0, int? exactFilterCutoff = null)
    {
        int parallelism = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : _store.MaxDegreeOfParallelism;
        VectorColumn vectors = data.Columns[column];
        return vectors.Graph is HnswGraph graph
            ? HnswSearch.Search(data, column, query, k, efSearch ?? graph.Parameters.EfSearch, predicate, parallelism, exactFilterCutoff)
            : FlatSearch.Search(data, column, query, k, predicate, parallelism, _store.QuantizationOversampling);
    }
}
