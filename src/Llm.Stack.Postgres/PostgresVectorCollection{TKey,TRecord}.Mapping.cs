using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using Npgsql;
using Pgvector;

namespace Llm.Stack.Postgres;

// Record mapping: records to validated rows (key, data values, vectors), and rows back to records.
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class PostgresVectorCollection<TKey, TRecord>
#pragma warning restore CA1711
{
    /// <summary>Turns records into rows in the column order of <c>SelectColumns(includeVectors: true)</c>, validating everything first.</summary>
    private async Task<(object?[][] Rows, bool[] GeneratedKey)> MapRowsAsync(List<TRecord> records, CancellationToken cancellationToken)
    {
        IReadOnlyList<Embedding>?[] generated = await ConnectorRecords.GenerateEmbeddingsAsync(_model, records, cancellationToken).ConfigureAwait(false);
        int dataCount = _model.DataProperties.Count;
        var rows = new object?[records.Count][];
        bool[] generatedKey = new bool[records.Count];
        KeyPropertyModel keyProperty = _model.KeyProperty;
        for (int i = 0; i < records.Count; i++)
        {
            TRecord record = records[i];
            object? rawKey = ConnectorRecords.KeyOrNew(keyProperty, record, out generatedKey[i]);

            object?[] row = new object?[1 + dataCount + _model.VectorProperties.Count];
            row[0] = NormalizeKey(rawKey, nameof(records), i);
            for (int d = 0; d < dataCount; d++)
            {
                object value = PostgresTypes.ToDatabase(_model.DataProperties[d].GetValueAsObject(record));
                row[1 + d] = value is DBNull ? null : value;
            }

            for (int p = 0; p < _model.VectorProperties.Count; p++)
            {
                VectorPropertyModel property = _model.VectorProperties[p];
                ReadOnlyMemory<float>? vector = ConnectorRecords.ReadVector(property, record, generated[p], i, row[0]!, nameof(records));
                if (vector is ReadOnlyMemory<float> v)
                {
                    ValidateVector(v.Span, property, $"Vector property '{property.ModelName}' of record '{row[0]}'", nameof(records));
                    row[1 + dataCount + p] = new Vector(v.ToArray());
                }
            }

            rows[i] = row;
        }

        return (rows, generatedKey);
    }

    private TRecord Materialize(NpgsqlDataReader reader, bool includeVectors)
    {
        TRecord record = _model.CreateRecord<TRecord>();
        _model.KeyProperty.SetValueAsObject(record, PostgresTypes.FromDatabase(reader.GetValue(0), _model.KeyProperty.Type));
        int dataCount = _model.DataProperties.Count;
        for (int d = 0; d < dataCount; d++)
        {
            DataPropertyModel property = _model.DataProperties[d];
            if (property.PropertyInfo is null or { CanWrite: true })
            {
                property.SetValueAsObject(record, PostgresTypes.FromDatabase(reader.GetValue(1 + d), property.Type));
            }
        }

        if (includeVectors)
        {
            for (int p = 0; p < _model.VectorProperties.Count; p++)
            {
                VectorPropertyModel property = _model.VectorProperties[p];
                int ordinal = 1 + dataCount + p;
                if (!ConnectorModelBuilder.IsNativeVectorType(property.Type) || reader.IsDBNull(ordinal))
                {
                    continue;
                }

                property.SetValueAsObject(record, ConnectorRecords.ToVectorValue(reader.GetFieldValue<Vector>(ordinal).ToArray(), property.Type));
            }
        }

        return record;
    }

    private object NormalizeKey(object? key, string paramName, int index = -1)
        => key is string s && s.Contains('\0', StringComparison.Ordinal)
            ? throw new ArgumentException($"The key contains a NUL character, which PostgreSQL text cannot hold{ConnectorRecords.Where(index)}.", paramName)
            : ConnectorRecords.NormalizeKey(key, _model.KeyProperty.Type, _dynamic, paramName, index);

    /// <summary>The keys as a typed array parameter (<c>text[]</c>, <c>uuid[]</c>, …), each checked.</summary>
    private Array KeyArray(IEnumerable<TKey> keys, string paramName)
    {
        List<object> normalized = [.. keys.Select((k, i) => NormalizeKey(k, paramName, i))];
        var array = Array.CreateInstance(_model.KeyProperty.Type, normalized.Count);
        for (int i = 0; i < normalized.Count; i++)
        {
            array.SetValue(normalized[i], i);
        }

        return array;
    }

    private bool CheckIncludeVectors(bool includeVectors) => ConnectorRecords.CheckIncludeVectors(_model, includeVectors);

    private static void ValidateVector(ReadOnlySpan<float> vector, VectorPropertyModel property, string what, string paramName)
        => ConnectorRecords.ValidateVector(vector, property.ModelName, property.Dimensions, NormDistance(property), what, paramName);

    /// <summary>The property's distance function when it needs a vector's norm (cosine), else <see langword="null"/>.</summary>
    private static string? NormDistance(VectorPropertyModel property)
        => PostgresDistance.Get(property.DistanceFunction, property.ModelName).IsCosine ? property.DistanceFunction : null;
}
