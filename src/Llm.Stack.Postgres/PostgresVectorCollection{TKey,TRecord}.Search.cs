// RS0026: the overloads with optional parameters are the MEVD base class's, which these members override.
#pragma warning disable RS0026
using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using Npgsql;
using Pgvector;

namespace Llm.Stack.Postgres;

// Vector and hybrid search.
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class PostgresVectorCollection<TKey, TRecord>
#pragma warning restore CA1711
{
    private static readonly VectorSearchOptions<TRecord> DefaultSearchOptions = new();

    /// <inheritdoc />
    /// <remarks>
    /// Results come best first, ordered by the pgvector operator of the property's distance function (<c>&lt;=&gt;</c> cosine,
    /// <c>&lt;#&gt;</c> negative inner product, <c>&lt;-&gt;</c> Euclidean, <c>&lt;+&gt;</c> L1). Scores follow MEVD semantics:
    /// higher is better for CosineSimilarity and DotProductSimilarity, lower for the distances and NegativeDotProductSimilarity.
    /// Records without a value for the vector property are not returned.
    /// </remarks>
    /// <exception cref="ArgumentException">The search vector has the wrong dimensions, a NaN or infinite component, or is zero under a cosine function.</exception>
    /// <exception cref="NotSupportedException">The filter uses an unsupported expression, or the input is not a vector and no embedding generator is configured.</exception>
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= DefaultSearchOptions;
        ConnectorRecords.CheckSearchArguments(searchValue, top, options.Skip);
        bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
        VectorPropertyModel property = _model.GetVectorPropertyOrSingle(options);
        ReadOnlyMemory<float> query = await ConnectorRecords.ResolveSearchVectorAsync(searchValue, property, NormDistance(property), cancellationToken).ConfigureAwait(false);
        List<(TRecord Record, double Score)> found = await SearchCoreAsync(
            property, query, options.Filter, top, options.Skip, includeVectors, cancellationToken).ConfigureAwait(false);
        PostgresDistance distance = PostgresDistance.Get(property.DistanceFunction, property.ModelName);
        foreach ((TRecord record, double score) in found)
        {
            if (options.ScoreThreshold is double threshold && !distance.Passes(score, threshold))
            {
                // Results come best first: the rest fail the threshold too.
                yield break;
            }

            yield return new VectorSearchResult<TRecord>(record, score);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Hybrid search fuses two rankings by reciprocal rank fusion (<c>k</c> from
    /// <see cref="PostgresVectorStoreOptions.HybridRankConstant"/>): the vector ranking, and PostgreSQL's full-text ranking
    /// (<c>ts_rank_cd</c> of the documents matching any of <paramref name="keywords"/>) over the full-text-indexed string
    /// property (the one named by <see cref="HybridSearchOptions{TRecord}.AdditionalProperty"/>, or the only one), both
    /// under the filter. Each ranking contributes its best <c>max(50, 2 × (Skip + top))</c> records. The score of a result is
    /// its fused score (higher is better), which is also what <see cref="HybridSearchOptions{TRecord}.ScoreThreshold"/> is
    /// compared with.
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
        ArgumentNullException.ThrowIfNull(keywords);
        options ??= new HybridSearchOptions<TRecord>();
        ConnectorRecords.CheckSearchArguments(searchValue, top, options.Skip);
        bool includeVectors = CheckIncludeVectors(options.IncludeVectors);
        VectorPropertyModel vectorProperty = _model.GetVectorPropertyOrSingle(new VectorSearchOptions<TRecord> { VectorProperty = options.VectorProperty });
        DataPropertyModel textProperty = _model.GetFullTextDataPropertyOrSingle(options.AdditionalProperty);
        ReadOnlyMemory<float> query = await ConnectorRecords.ResolveSearchVectorAsync(searchValue, vectorProperty, NormDistance(vectorProperty), cancellationToken).ConfigureAwait(false);
        int candidates = Math.Max(50, 2 * (options.Skip + top));

        List<(TRecord Record, double Score)> byVector = await SearchCoreAsync(
            vectorProperty, query, options.Filter, candidates, 0, includeVectors, cancellationToken).ConfigureAwait(false);
        List<TRecord> byText = await KeywordSearchAsync(textProperty, keywords, options.Filter, candidates, includeVectors, cancellationToken).ConfigureAwait(false);

        var records = new Dictionary<object, TRecord>();
        List<object> vectorKeys = [.. byVector.Select(r => KeyOf(r.Record, records))];
        List<object> textKeys = [.. byText.Select(r => KeyOf(r, records))];
        IReadOnlyList<FusedResult<object>> fused = RankFusion.ReciprocalRank<object>([vectorKeys, textKeys], _store.Options.HybridRankConstant);
        foreach (FusedResult<object> result in fused.Skip(options.Skip).Take(top))
        {
            if (options.ScoreThreshold is double threshold && result.Score < threshold)
            {
                yield break;
            }

            yield return new VectorSearchResult<TRecord>(records[result.Item], result.Score);
        }
    }

    private object KeyOf(TRecord record, Dictionary<object, TRecord> records)
    {
        object key = _model.KeyProperty.GetValueAsObject(record)!;
        records[key] = record;
        return key;
    }

    /// <summary>Runs one nearest-neighbour query: best first, with the score of each record.</summary>
    private async Task<List<(TRecord Record, double Score)>> SearchCoreAsync(
        VectorPropertyModel property, ReadOnlyMemory<float> query, Expression<Func<TRecord, bool>>? filter, int top, int skip, bool includeVectors, CancellationToken cancellationToken)
    {
        PostgresDistance distance = PostgresDistance.Get(property.DistanceFunction, property.ModelName);
        string column = PostgresSql.Quote(property.StorageName);
        var parameters = new List<NpgsqlParameter> { new() { Value = new Vector(query.ToArray()) } };
        string where = $"{column} IS NOT NULL";
        if (filter is not null)
        {
            where += " AND " + PostgresFilterTranslator.Translate(filter, _model, parameters);
        }

        string columns = includeVectors ? _columnsWithVectors : _columns;
        int distanceOrdinal = 2 + _model.DataProperties.Count + (includeVectors ? _model.VectorProperties.Count : 0); // 1-based, after the key, data and vectors
        string sql = $"WITH candidates AS MATERIALIZED (SELECT {columns}, ({column} {distance.Operator} $1) AS llmstack_distance FROM {_table} WHERE {where} "
            + $"ORDER BY {column} {distance.Operator} $1 LIMIT {top} OFFSET {skip}) SELECT * FROM candidates ORDER BY {distanceOrdinal.ToString(CultureInfo.InvariantCulture)}";

        // An approximate index reads a bounded candidate list (hnsw.ef_search, ivfflat.probes); iterative scans go on
        // until the LIMIT is met under a filter, in relaxed order, which the outer query puts right.
        List<string> settings = property.IndexKind switch
        {
            IndexKind.Hnsw => [
                $"SET LOCAL hnsw.ef_search = {Math.Clamp(Math.Max(_store.Options.HnswEfSearch, skip + top), 1, 1000).ToString(CultureInfo.InvariantCulture)}",
                "SET LOCAL hnsw.iterative_scan = relaxed_order"],
            IndexKind.IvfFlat => [
                $"SET LOCAL ivfflat.probes = {_store.Options.IvfFlatProbes.ToString(CultureInfo.InvariantCulture)}",
                "SET LOCAL ivfflat.iterative_scan = relaxed_order"],
            _ => [],
        };

        return await RunAsync("Search", async connection =>
        {
            await using NpgsqlTransaction? transaction = settings.Count == 0 ? null : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (string setting in settings)
            {
                await using NpgsqlCommand set = new(setting, connection, transaction);
                _ = await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var results = new List<(TRecord, double)>();
            await using (NpgsqlCommand command = new(sql, connection, transaction))
            {
                command.Parameters.AddRange(parameters.ToArray());
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                int scoreOrdinal = reader.FieldCount - 1;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    results.Add((Materialize(reader, includeVectors), distance.ToScore(reader.GetDouble(scoreOrdinal))));
                }
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return results;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ranks the records whose text matches any keyword by PostgreSQL's cover density rank, best first.</summary>
    private async Task<List<TRecord>> KeywordSearchAsync(
        DataPropertyModel property, ICollection<string> keywords, Expression<Func<TRecord, bool>>? filter, int top, bool includeVectors, CancellationToken cancellationToken)
    {
        List<string> words = [.. keywords.Where(k => !string.IsNullOrWhiteSpace(k))];
        if (words.Count == 0)
        {
            return [];
        }

        string config = _store.Options.TextSearchConfiguration;
        var parameters = new List<NpgsqlParameter>();
        string tsQuery = string.Join(" || ", words.Select(w =>
        {
            parameters.Add(new NpgsqlParameter { Value = w });
            return $"plainto_tsquery('{config}'::regconfig, ${parameters.Count.ToString(CultureInfo.InvariantCulture)})";
        }));
        string document = PostgresSql.TsVector(_store.Options, PostgresSql.Quote(property.StorageName));
        string where = $"{document} @@ ({tsQuery})";
        if (filter is not null)
        {
            where += " AND " + PostgresFilterTranslator.Translate(filter, _model, parameters);
        }

        string sql = $"SELECT {(includeVectors ? _columnsWithVectors : _columns)} FROM {_table} WHERE {where} ORDER BY ts_rank_cd({document}, ({tsQuery})) DESC, {_keyColumn} LIMIT {top}";
        return await ReadAsync("HybridSearch", sql, parameters, includeVectors, cancellationToken).ConfigureAwait(false);
    }
}
