using System.Runtime.InteropServices;
using System.Text;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// The versioned binary snapshot of one collection.
/// </summary>
/// <remarks>
/// Layout (little-endian): the magic <c>LSVECIDX</c> and an int32 format version; then the hashed body: the metadata
/// (name, key, data columns with types, vector columns with dimensions, distance function, index kind and embedding
/// model id, record count), the records (key and values), and per vector column the presence flags, the norms and the
/// raw float32 rows back to back; then the XxHash3-64 of the body and the end marker <c>LSVECEND</c>.
/// </remarks>
internal static class Snapshot
{
    public const int FormatVersion = 1;

    private static readonly byte[] Magic = "LSVECIDX"u8.ToArray();
    private static readonly byte[] EndMagic = "LSVECEND"u8.ToArray();

    /// <summary>Writes the collection (caller holds its read lock).</summary>
    public static void Write(CollectionData data, Stream stream)
    {
        stream.Write(Magic);
        stream.Write(BitConverter.GetBytes(FormatVersion));
        var hashing = new HashingStream(stream);
        using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
        {
            CollectionSchema schema = data.Schema;
            var live = new List<int>(data.Count);
            for (int slot = 0; slot < data.HighWater; slot++)
            {
                if (data.Values[slot] is not null)
                {
                    live.Add(slot);
                }
            }

            WriteMeta(writer, data, live.Count);
            Type[] valueTypes = ValueTypes(schema);
            foreach (int slot in live)
            {
                ValueCodec.Write(writer, data.Keys[slot], schema.KeyType);
                object?[] values = data.Values[slot]!;
                for (int v = 0; v < valueTypes.Length; v++)
                {
                    ValueCodec.Write(writer, values[v], valueTypes[v]);
                }
            }

            bool dense = live.Count == data.HighWater;
            foreach (VectorColumn column in data.Columns)
            {
                foreach (int slot in live)
                {
                    writer.Write(column.Present[slot]);
                }

                writer.Flush();
                if (dense)
                {
                    hashing.Write(MemoryMarshal.AsBytes(column.Norms.AsSpan(0, live.Count)));
                    hashing.Write(MemoryMarshal.AsBytes(column.Data.AsSpan(0, live.Count * column.Dimensions)));
                }
                else
                {
                    foreach (int slot in live)
                    {
                        hashing.Write(MemoryMarshal.AsBytes(column.Norms.AsSpan(slot, 1)));
                    }

                    foreach (int slot in live)
                    {
                        hashing.Write(MemoryMarshal.AsBytes((ReadOnlySpan<float>)column.Row(slot)));
                    }
                }
            }

            writer.Flush();
        }

        stream.Write(BitConverter.GetBytes(hashing.Hash));
        stream.Write(EndMagic);
    }

    /// <summary>Reads a whole snapshot, verifying its checksum, into new collection data.</summary>
    public static CollectionData Read(Stream stream)
    {
        try
        {
            ReadHeader(stream);
            var hashing = new HashingStream(stream);
            CollectionData data;
            using (var reader = new BinaryReader(hashing, Encoding.UTF8, leaveOpen: true))
            {
                (string name, CollectionSchema schema, int count, string?[] modelIds) = ReadMeta(reader);
                data = new CollectionData(name, schema, Math.Max(count, 1));
                for (int c = 0; c < modelIds.Length; c++)
                {
                    data.Columns[c].EmbeddingModelId = modelIds[c];
                }

                Type[] valueTypes = ValueTypes(schema);
                for (int i = 0; i < count; i++)
                {
                    object key = ValueCodec.Read(reader, schema.KeyType) ?? throw new InvalidDataException("Corrupt snapshot: a record has a null key.");
                    var values = new object?[schema.ValueCount];
                    for (int v = 0; v < valueTypes.Length; v++)
                    {
                        values[v] = ValueCodec.Read(reader, valueTypes[v]);
                    }

                    values[schema.KeyIndex] = key;
                    if (!data.AppendLoaded(key, values))
                    {
                        throw new InvalidDataException($"Corrupt snapshot: the key '{key}' appears twice.");
                    }
                }

                foreach (VectorColumn column in data.Columns)
                {
                    Span<byte> present = MemoryMarshal.AsBytes(column.Present.AsSpan(0, count));
                    hashing.ReadExactly(present);
                    if (present.IndexOfAnyExcept((byte)0, (byte)1) >= 0)
                    {
                        throw new InvalidDataException("Corrupt snapshot: a vector presence flag is neither 0 nor 1.");
                    }

                    hashing.ReadExactly(MemoryMarshal.AsBytes(column.Norms.AsSpan(0, count)));
                    hashing.ReadExactly(MemoryMarshal.AsBytes(column.Data.AsSpan(0, count * column.Dimensions)));
                    column.RebuildCodes(count);
                }
            }

            ulong hash = hashing.Hash;
            Span<byte> trailer = stackalloc byte[16];
            hashing.ReadUnhashed(trailer);
            if (BitConverter.ToUInt64(trailer[..8]) != hash)
            {
                throw new InvalidDataException("Corrupt snapshot: the checksum of the contents does not match (the file was modified or damaged).");
            }

            if (!trailer[8..].SequenceEqual(EndMagic))
            {
                throw new InvalidDataException("Corrupt snapshot: the end marker is missing.");
            }

            return data;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated snapshot: the data ends before the snapshot does.", e);
        }
    }

    /// <summary>Reads only the metadata at the start of a snapshot (no checksum verification).</summary>
    public static InMemoryCollectionInfo ReadInfo(Stream stream)
    {
        try
        {
            ReadHeader(stream);
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            (string name, CollectionSchema schema, int count, string?[] modelIds) = ReadMeta(reader);
            return Info(name, schema, count, modelIds);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated snapshot: the data ends before the metadata does.", e);
        }
    }

    public static InMemoryCollectionInfo Info(string name, CollectionSchema schema, int count, string?[] modelIds)
        => new(
            name,
            schema.KeyType,
            count,
            [.. schema.Data.Select(d => d.Name)],
            [.. schema.Vectors.Select((v, i) => new InMemoryVectorPropertyInfo(v.Name, v.Dimensions, Distances.Name(v.Distance), v.IndexKind, modelIds[i]))]);

    private static Type[] ValueTypes(CollectionSchema schema)
        => [.. schema.Data.Select(d => d.Type), .. schema.Vectors.Select(v => InMemoryModelBuilder.IsNativeVectorType(v.SourceType) ? typeof(string) : v.SourceType)];

    private static void ReadHeader(Stream stream)
    {
        Span<byte> header = stackalloc byte[12];
        stream.ReadExactly(header);
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not an Llm.Stack vector index snapshot: the file does not start with the expected magic bytes.");
        }

        int version = BitConverter.ToInt32(header[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported snapshot version {version}: this build reads version {FormatVersion}.");
        }
    }

    private static void WriteMeta(BinaryWriter writer, CollectionData data, int count)
    {
        CollectionSchema schema = data.Schema;
        writer.Write(data.Name);
        writer.Write(schema.KeyName);
        writer.Write(ValueCodec.Name(schema.KeyType));
        writer.Write(schema.Data.Length);
        foreach (DataColumnSpec d in schema.Data)
        {
            if (!ValueCodec.IsSupported(d.Type))
            {
                throw new NotSupportedException($"Data property '{d.Name}' has type '{d.Type.Name}', which snapshots cannot hold.");
            }

            writer.Write(d.Name);
            writer.Write(ValueCodec.Name(d.Type));
            writer.Write(d.IsIndexed);
            writer.Write(d.IsFullTextIndexed);
        }

        writer.Write(schema.Vectors.Length);
        for (int c = 0; c < schema.Vectors.Length; c++)
        {
            VectorColumnSpec v = schema.Vectors[c];
            Type source = InMemoryModelBuilder.IsNativeVectorType(v.SourceType) || ValueCodec.IsSupported(v.SourceType) ? v.SourceType
                : throw new NotSupportedException($"Vector property '{v.Name}' is generated from '{v.SourceType.Name}', which snapshots cannot hold.");
            writer.Write(v.Name);
            writer.Write(VectorTypeName(source));
            writer.Write(v.Dimensions);
            writer.Write((byte)v.Distance);
            writer.Write(v.IndexKind);
            writer.Write((byte)v.Quantization);
            string? modelId = data.Columns[c].EmbeddingModelId;
            writer.Write(modelId is not null);
            if (modelId is not null)
            {
                writer.Write(modelId);
            }
        }

        writer.Write(count);
    }

    private static (string Name, CollectionSchema Schema, int Count, string?[] ModelIds) ReadMeta(BinaryReader reader)
    {
        string name = reader.ReadString();
        string keyName = reader.ReadString();
        Type keyType = ValueCodec.Resolve(reader.ReadString());
        if (keyType != typeof(Guid) && keyType != typeof(string) && keyType != typeof(int) && keyType != typeof(long))
        {
            throw new InvalidDataException($"Corrupt snapshot: unsupported key type '{keyType.Name}'.");
        }

        int dataCount = ReadCount(reader, "data property");
        var data = new DataColumnSpec[dataCount];
        for (int i = 0; i < dataCount; i++)
        {
            data[i] = new DataColumnSpec(reader.ReadString(), ValueCodec.Resolve(reader.ReadString()), reader.ReadBoolean(), reader.ReadBoolean());
        }

        int vectorCount = ReadCount(reader, "vector property");
        var vectors = new VectorColumnSpec[vectorCount];
        var modelIds = new string?[vectorCount];
        for (int i = 0; i < vectorCount; i++)
        {
            string vectorName = reader.ReadString();
            Type source = ResolveVectorType(reader.ReadString());
            int dimensions = reader.ReadInt32();
            byte distance = reader.ReadByte();
            if (dimensions <= 0 || distance > (byte)DistanceKind.HammingDistance)
            {
                throw new InvalidDataException($"Corrupt snapshot: vector property '{vectorName}' has invalid dimensions or distance.");
            }

            string indexKind = reader.ReadString();
            byte quantization = reader.ReadByte();
            if (quantization > (byte)VectorQuantization.Binary)
            {
                throw new InvalidDataException($"Corrupt snapshot: vector property '{vectorName}' has an invalid quantization.");
            }

            vectors[i] = new VectorColumnSpec(vectorName, source, dimensions, (DistanceKind)distance, indexKind, (VectorQuantization)quantization);
            modelIds[i] = reader.ReadBoolean() ? reader.ReadString() : null;
        }

        int count = ReadCount(reader, "record");
        return (name, new CollectionSchema(keyName, keyType, data, vectors), count, modelIds);
    }

    private static int ReadCount(BinaryReader reader, string what)
    {
        int count = reader.ReadInt32();
        return count is >= 0 and <= 1 << 30 ? count : throw new InvalidDataException($"Corrupt snapshot: invalid {what} count {count}.");
    }

    private static string VectorTypeName(Type type)
        => type == typeof(ReadOnlyMemory<float>) ? "ReadOnlyMemory<float>"
        : type == typeof(ReadOnlyMemory<float>?) ? "ReadOnlyMemory<float>?"
        : type == typeof(float[]) ? "float[]"
        : type == typeof(Microsoft.Extensions.AI.Embedding<float>) ? "Embedding<float>"
        : ValueCodec.Name(type);

    private static Type ResolveVectorType(string name) => name switch
    {
        "ReadOnlyMemory<float>" => typeof(ReadOnlyMemory<float>),
        "ReadOnlyMemory<float>?" => typeof(ReadOnlyMemory<float>?),
        "float[]" => typeof(float[]),
        "Embedding<float>" => typeof(Microsoft.Extensions.AI.Embedding<float>),
        _ => ValueCodec.Resolve(name),
    };
}
