using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Chroma;

// Record mapping: records to Chroma ids, embeddings and metadata (validated and rendered before anything is sent), and back.
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class ChromaVectorCollection<TKey, TRecord>
#pragma warning restore CA1711
{
    /// <summary>The embedding of every record of a collection that has no vector property (Chroma needs one).</summary>
    private static readonly float[] Placeholder = [1f];

    /// <summary>Turns records into Chroma form, validating everything first.</summary>
    private async Task<(MappedRecord[] Records, bool[] GeneratedKey)> MapRecordsAsync(List<TRecord> records, CancellationToken cancellationToken)
    {
        IReadOnlyList<Embedding>?[] generated = await ConnectorRecords.GenerateEmbeddingsAsync(_model, records, cancellationToken).ConfigureAwait(false);
        var mapped = new MappedRecord[records.Count];
        bool[] generatedKey = new bool[records.Count];
        KeyPropertyModel keyProperty = _model.KeyProperty;
        for (int i = 0; i < records.Count; i++)
        {
            TRecord record = records[i];
            object? rawKey = ConnectorRecords.KeyOrNew(keyProperty, record, out generatedKey[i]);

            object key = NormalizeKey(rawKey, nameof(records), i);
            float[] embedding = Placeholder;
            if (_vector is not null)
            {
                ReadOnlyMemory<float> vector = ConnectorRecords.ReadVector(_vector, record, generated[0], i, key, nameof(records))
                    ?? throw new NotSupportedException(
                        $"Record '{key}' has no value for vector property '{_vector.ModelName}': Chroma stores every record with its embedding, so the Chroma vector store cannot store a record without one.");
                ConnectorRecords.ValidateVector(
                    vector.Span, _vector.ModelName, _vector.Dimensions, _distance.IsCosine ? _distance.Function : null, $"Vector property '{_vector.ModelName}' of record '{key}'", nameof(records));
                embedding = vector.ToArray();
            }

            var metadata = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(metadata))
            {
                writer.WriteStartObject();
                writer.WritePropertyName(keyProperty.StorageName);
                ChromaValues.WriteScalar(writer, key, $"The key of record '{key}'");
                foreach (DataPropertyModel property in _model.DataProperties)
                {
                    try
                    {
                        ChromaValues.WriteProperty(writer, property.StorageName, property.Type, property.GetValueAsObject(record), $"Data property '{property.ModelName}' of record '{key}'");
                    }
                    catch (ArgumentException e)
                    {
                        throw new ArgumentException(e.Message, nameof(records), e);
                    }
                }

                writer.WriteEndObject();
            }

            mapped[i] = new MappedRecord(key, Id(key), embedding, metadata.WrittenMemory);
        }

        return (mapped, generatedKey);
    }

    /// <summary>
    /// Adds a null for every list flag a stored record has and its new version lacks: Chroma's upsert merges metadata, so
    /// a flag of an element no longer in the list would stay. Reads the stored records of the batch first (only for record
    /// types with a list property).
    /// </summary>
    private async Task<MappedRecord[]> RemovingStaleListFlagsAsync(MappedRecord[] records, CancellationToken cancellationToken)
    {
        using JsonDocument stored = (await SendToCollectionAsync("get", "Upsert", writer =>
        {
            writer.WriteStartObject();
            WriteIds(writer, records.Select(r => r.Id));
            WriteInclude(writer, includeVectors: false, distances: false);
            writer.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false))!;
        var staleFlags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        JsonElement metadatas = stored.RootElement.GetProperty("metadatas");
        int i = 0;
        foreach (JsonElement id in stored.RootElement.GetProperty("ids").EnumerateArray())
        {
            if (metadatas[i++] is { ValueKind: JsonValueKind.Object } metadata)
            {
                List<string> flags = [.. metadata.EnumerateObject().Select(p => p.Name).Where(n => Array.Exists(_listFlagPrefixes, prefix => n.StartsWith(prefix, StringComparison.Ordinal)))];
                if (flags.Count > 0)
                {
                    staleFlags[id.GetString()!] = flags;
                }
            }
        }

        if (staleFlags.Count == 0)
        {
            return records;
        }

        var result = new MappedRecord[records.Length];
        for (int r = 0; r < records.Length; r++)
        {
            result[r] = records[r];
            if (!staleFlags.TryGetValue(records[r].Id, out List<string>? flags))
            {
                continue;
            }

            using JsonDocument current = JsonDocument.Parse(records[r].Metadata);
            var buffer = new ArrayBufferWriter<byte>(records[r].Metadata.Length + 64);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (JsonProperty property in current.RootElement.EnumerateObject())
                {
                    property.WriteTo(writer);
                }

                foreach (string flag in flags)
                {
                    if (!current.RootElement.TryGetProperty(flag, out _))
                    {
                        writer.WriteNull(flag);
                    }
                }

                writer.WriteEndObject();
            }

            result[r] = records[r] with { Metadata = buffer.WrittenMemory };
        }

        return result;
    }

    private static void WriteUpsert(Utf8JsonWriter writer, MappedRecord[] records)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("ids");
        foreach (MappedRecord record in records)
        {
            writer.WriteStringValue(record.Id);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("embeddings");
        foreach (MappedRecord record in records)
        {
            writer.WriteStartArray();
            foreach (float component in record.Embedding)
            {
                writer.WriteNumberValue(component);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("metadatas");
        foreach (MappedRecord record in records)
        {
            writer.WriteRawValue(record.Metadata.Span, skipInputValidation: true);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private TRecord Materialize(string id, JsonElement metadata, JsonElement embedding)
    {
        TRecord record = _model.CreateRecord<TRecord>();
        _model.KeyProperty.SetValueAsObject(record, KeyOf(id));
        foreach (DataPropertyModel property in _model.DataProperties)
        {
            if (property.PropertyInfo is null or { CanWrite: true })
            {
                property.SetValueAsObject(record, ChromaValues.ReadProperty(metadata, property.StorageName, property.Type));
            }
        }

        if (_vector is not null && embedding.ValueKind == JsonValueKind.Array && ConnectorModelBuilder.IsNativeVectorType(_vector.Type))
        {
            float[] values = new float[embedding.GetArrayLength()];
            int i = 0;
            foreach (JsonElement component in embedding.EnumerateArray())
            {
                values[i++] = component.GetSingle();
            }

            _vector.SetValueAsObject(record, ConnectorRecords.ToVectorValue(values, _vector.Type));
        }

        return record;
    }

    private object NormalizeKey(object? key, string paramName, int index = -1)
        => ConnectorRecords.NormalizeKey(key, _model.KeyProperty.Type, _dynamic, paramName, index);

    /// <summary>The Chroma id of a normalized key.</summary>
    private static string Id(object key) => key switch
    {
        string s => s,
        Guid g => g.ToString("D"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => key.ToString()!,
    };

    /// <summary>The key of a Chroma id.</summary>
    private object KeyOf(string id)
    {
        Type type = _model.KeyProperty.Type;
        return type == typeof(string) ? id
            : type == typeof(Guid) ? Guid.Parse(id)
            : type == typeof(int) ? int.Parse(id, CultureInfo.InvariantCulture)
            : long.Parse(id, CultureInfo.InvariantCulture);
    }

    /// <summary>A record in Chroma form: its key, id, embedding, and metadata as rendered JSON.</summary>
    private readonly record struct MappedRecord(object Key, string Id, float[] Embedding, ReadOnlyMemory<byte> Metadata);
}
