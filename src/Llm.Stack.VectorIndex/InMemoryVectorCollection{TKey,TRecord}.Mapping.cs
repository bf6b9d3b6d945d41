using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

// Record mapping: records to stored keys, values and vectors (validated and copied), and stored slots back to records.
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class InMemoryVectorCollection<TKey, TRecord>
#pragma warning restore CA1711
{
    /// <summary>Turns a batch of records into stored form, validating and copying everything (no lock held, nothing stored yet).</summary>
    /// <remarks>Embeddings of non-vector "vector" properties are generated first, one batch per property.</remarks>
    private async Task<(CollectionBinding Binding, StoredRecords Stored)> MapRecordsAsync(List<TRecord> records, CancellationToken cancellationToken)
    {
        IReadOnlyList<Embedding>?[] generated = await ConnectorRecords.GenerateEmbeddingsAsync(_model, records, cancellationToken).ConfigureAwait(false);
        var modelIds = new string?[_model.VectorProperties.Count];
        for (int p = 0; p < _model.VectorProperties.Count; p++)
        {
            if (generated[p] is IReadOnlyList<Embedding> embeddings)
            {
                modelIds[p] = embeddings.Count > 0 ? embeddings[0].ModelId : null;
                modelIds[p] ??= (_model.VectorProperties[p].EmbeddingGenerator?.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata)?.DefaultModelId;
            }
        }

        CollectionBinding binding = GetBinding("Upsert");
        CollectionSchema schema = binding.Data.Schema;

        // Validate and copy everything before touching the stored data, so that a rejected batch changes nothing.
        var keys = new object[records.Count];
        var allValues = new object?[records.Count][];
        var allVectors = new float[]?[records.Count][];
        bool[] generatedKey = new bool[records.Count];
        KeyPropertyModel keyProperty = _model.KeyProperty;
        for (int i = 0; i < records.Count; i++)
        {
            TRecord record = records[i];
            object? rawKey = ConnectorRecords.KeyOrNew(keyProperty, record, out generatedKey[i]);

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
                if (generated[p] is not null)
                {
                    values[schema.Data.Length + column] = property.GetValueAsObject(record);
                }

                ReadOnlyMemory<float>? vector = ConnectorRecords.ReadVector(property, record, generated[p], i, keys[i], nameof(records));
                if (vector is ReadOnlyMemory<float> v)
                {
                    ValidateVector(v.Span, schema.Vectors[column], $"Vector property '{property.ModelName}' of record '{keys[i]}'", nameof(records));
                    vectors[column] = v.ToArray();
                }
            }

            allValues[i] = values;
            allVectors[i] = vectors;
        }

        return (binding, new StoredRecords(keys, allValues, allVectors, modelIds, generatedKey));
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
            if (!ConnectorModelBuilder.IsNativeVectorType(property.Type))
            {
                // The source value of a generated embedding (for example the text); a computed property has no setter.
                if (property.PropertyInfo is null or { CanWrite: true })
                {
                    property.SetValueAsObject(record, values[data.Schema.Data.Length + column]);
                }
            }
            else if (includeVectors && data.Columns[column].Present[slot])
            {
                property.SetValueAsObject(record, ConnectorRecords.ToVectorValue(data.Columns[column].Row(slot).ToArray(), property.Type));
            }
        }

        return record;
    }

    private object NormalizeKey(object? key, string paramName, int index = -1) => ConnectorRecords.NormalizeKey(key, _schema.KeyType, _dynamic, paramName, index);

    private bool CheckIncludeVectors(bool includeVectors) => ConnectorRecords.CheckIncludeVectors(_model, includeVectors);

    internal static void ValidateVector(ReadOnlySpan<float> vector, VectorColumnSpec spec, string what, string paramName)
        => ConnectorRecords.ValidateVector(vector, spec.Name, spec.Dimensions, Distances.NeedsNorm(spec.Distance) ? Distances.Name(spec.Distance) : null, what, paramName);

    /// <summary>A batch of records in stored form: normalized keys, per-record values and vectors, the model id per vector property, and which keys were generated.</summary>
    private sealed record StoredRecords(object[] Keys, object?[][] Values, float[]?[][] Vectors, string?[] ModelIds, bool[] GeneratedKey);
}
