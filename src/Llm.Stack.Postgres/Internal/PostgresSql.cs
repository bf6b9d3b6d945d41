using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Postgres;

/// <summary>
/// The SQL text of a collection's statements. Only identifiers (schema, table and column names, each validated and
/// double-quoted) and numbers the store computes are ever written into the text; every value is a parameter.
/// </summary>
internal static class PostgresSql
{
    /// <summary>pgvector's largest <c>vector</c> type.</summary>
    internal const int MaxDimensions = 16000;

    /// <summary>pgvector's largest indexable <c>vector</c> (HNSW and IVFFlat).</summary>
    internal const int MaxIndexedDimensions = 2000;

    /// <summary>PostgreSQL's identifier limit (NAMEDATALEN - 1): a longer name would be truncated, silently.</summary>
    private const int MaxIdentifierBytes = 63;

    /// <summary>Throws unless <paramref name="name"/> can be a PostgreSQL identifier unchanged: 1 to 63 UTF-8 bytes, no NUL.</summary>
    public static void ValidateIdentifier(string name, string what, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, paramName);
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} contains a NUL character, which PostgreSQL names cannot hold.", paramName);
        }

        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxIdentifierBytes)
        {
            throw new ArgumentException($"{what} is {bytes} bytes long in UTF-8; PostgreSQL names hold at most {MaxIdentifierBytes}.", paramName);
        }
    }

    /// <summary>Double-quotes an identifier, doubling the quotes inside it, so that any name is one identifier.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Table(string schema, string table) => Quote(schema) + "." + Quote(table);

    /// <summary>The statements that create a collection's table and indexes (each idempotent).</summary>
    public static List<string> CreateCollection(string schema, string table, CollectionModel model, PostgresVectorStoreOptions options)
    {
        string qualified = Table(schema, table);
        var columns = new StringBuilder();
        KeyPropertyModel key = model.KeyProperty;
        _ = PostgresTypes.TryGetColumnType(key.Type, out string keyType);
        columns.Append(Quote(key.StorageName)).Append(' ').Append(keyType).Append(" PRIMARY KEY");
        foreach (DataPropertyModel data in model.DataProperties)
        {
            _ = PostgresTypes.TryGetColumnType(data.Type, out string type);
            columns.Append(", ").Append(Quote(data.StorageName)).Append(' ').Append(type);
        }

        foreach (VectorPropertyModel vector in model.VectorProperties)
        {
            columns.Append(", ").Append(Quote(vector.StorageName)).Append(" vector(").Append(vector.Dimensions).Append(')');
        }

        var statements = new List<string> { $"CREATE TABLE IF NOT EXISTS {qualified} ({columns})" };
        statements.AddRange(ApproximateIndexes(schema, table, model, options).Select(index => index.Create));
        foreach (DataPropertyModel data in model.DataProperties)
        {
            string column = Quote(data.StorageName);
            if (data.IsIndexed)
            {
                string method = PostgresTypes.ElementType(data.Type) is null ? "btree" : "gin";
                statements.Add($"CREATE INDEX IF NOT EXISTS {IndexName(table, data.StorageName, method)} ON {qualified} USING {method} ({column})");
            }

            if (data.IsFullTextIndexed)
            {
                statements.Add($"CREATE INDEX IF NOT EXISTS {IndexName(table, data.StorageName, "fts")} ON {qualified} USING gin ({TsVector(options, column)})");
            }
        }

        return statements;
    }

    /// <summary>
    /// The approximate (HNSW and IVFFlat) indexes of a collection's vector columns: the statement that creates each
    /// (idempotent) and the one that drops it, for the bulk-load path that builds them after the rows are in.
    /// </summary>
    public static List<(string Create, string Drop)> ApproximateIndexes(string schema, string table, CollectionModel model, PostgresVectorStoreOptions options)
    {
        string qualified = Table(schema, table);
        var indexes = new List<(string Create, string Drop)>();
        foreach (VectorPropertyModel vector in model.VectorProperties)
        {
            PostgresDistance distance = PostgresDistance.Get(vector.DistanceFunction, vector.ModelName);
            string column = Quote(vector.StorageName);
            (string Kind, string With)? index = vector.IndexKind == IndexKind.Hnsw ? ("hnsw", $"m = {options.HnswM}, ef_construction = {options.HnswEfConstruction}")
                : vector.IndexKind == IndexKind.IvfFlat ? ("ivfflat", $"lists = {options.IvfFlatLists}")
                : null;
            if (index is { } i)
            {
                string name = IndexName(table, vector.StorageName, i.Kind);
                indexes.Add((
                    $"CREATE INDEX IF NOT EXISTS {name} ON {qualified} USING {i.Kind} ({column} {distance.OperatorClass}) WITH ({i.With})",
                    $"DROP INDEX IF EXISTS {Quote(schema)}.{name}"));
            }
        }

        return indexes;
    }

    /// <summary>The full-text document of a column: <c>to_tsvector('config', column)</c>, the form its GIN index is built on.</summary>
    public static string TsVector(PostgresVectorStoreOptions options, string quotedColumn)
        => $"to_tsvector('{options.TextSearchConfiguration}'::regconfig, coalesce({quotedColumn}, ''))";

    /// <summary>The column list of the key, the data properties and (optionally) the vectors, in the order records are read.</summary>
    public static string SelectColumns(CollectionModel model, bool includeVectors)
    {
        var columns = new StringBuilder(Quote(model.KeyProperty.StorageName));
        foreach (DataPropertyModel data in model.DataProperties)
        {
            columns.Append(", ").Append(Quote(data.StorageName));
        }

        if (includeVectors)
        {
            foreach (VectorPropertyModel vector in model.VectorProperties)
            {
                columns.Append(", ").Append(Quote(vector.StorageName));
            }
        }

        return columns.ToString();
    }

    /// <summary>The <c>INSERT … ON CONFLICT</c> of rows, from <c>VALUES ($1, …)</c> or from a staging table.</summary>
    public static string Upsert(string qualified, CollectionModel model, string source)
    {
        string columns = SelectColumns(model, includeVectors: true);
        var updates = model.Properties.Where(p => p is not KeyPropertyModel).Select(p => $"{Quote(p.StorageName)} = EXCLUDED.{Quote(p.StorageName)}").ToList();
        string onConflict = updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates);
        return $"INSERT INTO {qualified} ({columns}) {source} ON CONFLICT ({Quote(model.KeyProperty.StorageName)}) {onConflict}";
    }

    /// <summary>A name for an index of a collection's column: deterministic, unique per table, column and kind, and short enough for PostgreSQL.</summary>
    private static string IndexName(string table, string column, string kind)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(table + "\0" + column + "\0" + kind));
        return Quote($"llmstack_{Convert.ToHexStringLower(hash.AsSpan(0, 12))}_{kind}");
    }
}
