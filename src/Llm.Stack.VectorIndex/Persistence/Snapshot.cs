using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// The versioned binary snapshot of one collection.
/// </summary>
/// <remarks>
/// Layout (little-endian): the magic <c>LSVECIDX</c> and an int32 format version; then the hashed body: the metadata
/// (name, key, data columns with types, vector columns with dimensions, distance function, index kind and embedding
/// model id, record count), the records (key and values), and per vector column the presence flags, the norms and the
/// raw float32 rows back to back, and (version 2) per vector column its HNSW graph when it has one: entry point, top
/// level, the level of each node, the fixed-stride level-0 links as raw int32s and the upper-level links of each node
/// above level 0; then the XxHash3-64 of the body and the end marker <c>LSVECEND</c>. Version 2 adds the graph and,
/// for HNSW columns, the graph parameters in the metadata. Version-1 snapshots still load. A store whose default index
/// kind is HNSW turns the <c>Flat</c> columns it loads (every column of a version-1 snapshot) into HNSW columns and
/// builds their graphs from the vectors, with a log line.
/// </remarks>
internal static class Snapshot
{
    public const int FormatVersion = 2;

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

                // A graph is saved only over dense slots (the store compacts before saving); otherwise the reader rebuilds it.
                bool graph = dense && column.Graph is not null;
                writer.Write(graph);
                writer.Flush();
                if (graph)
                {
                    WriteGraph(writer, hashing, column.Graph!, live.Count);
                }
            }

            writer.Flush();
        }

        stream.Write(BitConverter.GetBytes(hashing.Hash));
        stream.Write(EndMagic);
    }

    /// <summary>Reads a whole snapshot, verifying its checksum, into new collection data.</summary>
    /// <param name="stream">The snapshot.</param>
    /// <param name="options">How the reading store shapes the collection (index kind of version-1 columns, HNSW parameters) and logs.</param>
    public static CollectionData Read(Stream stream, SnapshotReadOptions options)
    {
        try
        {
            int version = ReadHeader(stream);
            var hashing = new HashingStream(stream);
            CollectionData data;
            using (var reader = new BinaryReader(hashing, Encoding.UTF8, leaveOpen: true))
            {
                (string name, CollectionSchema schema, int count, string?[] modelIds) = ReadMeta(reader, version, options);
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
                    bool hasGraph = version >= 2 && reader.ReadBoolean();
                    if (hasGraph && column.Graph is null)
                    {
                        throw new InvalidDataException($"Corrupt snapshot: vector property '{column.Spec.Name}' has a graph but is not HNSW-indexed.");
                    }

                    if (hasGraph)
                    {
                        ReadGraph(reader, hashing, column.Graph!, count);
                    }
                    else if (column.Graph is HnswGraph graph)
                    {
                        long started = System.Diagnostics.Stopwatch.GetTimestamp();
                        graph.Build(count, options.MaxDegreeOfParallelism);
                        double elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        VectorIndexLog.GraphRebuilt(options.Logger, name, column.Spec.Name, version, count, elapsed);
                    }
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
            int version = ReadHeader(stream);
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            (string name, CollectionSchema schema, int count, string?[] modelIds) = ReadMeta(reader, version, SnapshotReadOptions.AsWritten);
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
            [.. schema.Vectors.Select((v, i) => new InMemoryVectorPropertyInfo(v.Name, v.Dimensions, Distances.Name(v.Distance), v.IndexKind, modelIds[i]) { Quantization = v.Quantization })]);

    private static Type[] ValueTypes(CollectionSchema schema)
        => [.. schema.Data.Select(d => d.Type), .. schema.Vectors.Select(v => ConnectorModelBuilder.IsNativeVectorType(v.SourceType) ? typeof(string) : v.SourceType)];

    private static int ReadHeader(Stream stream)
    {
        Span<byte> header = stackalloc byte[12];
        stream.ReadExactly(header);
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not an Llm.Stack vector index snapshot: the file does not start with the expected magic bytes.");
        }

        int version = BitConverter.ToInt32(header[8..]);
        if (version is < 1 or > FormatVersion)
        {
            throw new InvalidDataException($"Unsupported snapshot version {version}: this build reads versions 1 to {FormatVersion}.");
        }

        return version;
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
            Type source = ConnectorModelBuilder.IsNativeVectorType(v.SourceType) || ValueCodec.IsSupported(v.SourceType) ? v.SourceType
                : throw new NotSupportedException($"Vector property '{v.Name}' is generated from '{v.SourceType.Name}', which snapshots cannot hold.");
            writer.Write(v.Name);
            writer.Write(VectorTypeName(source));
            writer.Write(v.Dimensions);
            writer.Write((byte)v.Distance);
            writer.Write(v.IndexKind);
            writer.Write((byte)v.Quantization);
            if (v.Hnsw is HnswParameters hnsw)
            {
                writer.Write(hnsw.M);
                writer.Write(hnsw.EfConstruction);
                writer.Write(hnsw.EfSearch);
                writer.Write(hnsw.Seed);
            }
            string? modelId = data.Columns[c].EmbeddingModelId;
            writer.Write(modelId is not null);
            if (modelId is not null)
            {
                writer.Write(modelId);
            }
        }

        writer.Write(count);
    }

    private static (string Name, CollectionSchema Schema, int Count, string?[] ModelIds) ReadMeta(BinaryReader reader, int version, SnapshotReadOptions options)
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

            HnswParameters? hnsw = null;
            if (version >= 2 && indexKind == IndexKind.Hnsw)
            {
                hnsw = new HnswParameters(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
                if (hnsw.M is < 2 or > 128 || hnsw.EfConstruction < 1 || hnsw.EfSearch < 1)
                {
                    throw new InvalidDataException($"Corrupt snapshot: vector property '{vectorName}' has invalid HNSW parameters.");
                }
            }
            else if (options.UpgradeFlatToHnsw && indexKind == IndexKind.Flat)
            {
                // A store configured for HNSW indexes the flat columns it loads (version 1 stored "Flat" for every property).
                indexKind = IndexKind.Hnsw;
                hnsw = options.HnswFor(name);
                quantization = (byte)((DistanceKind)distance is DistanceKind.ManhattanDistance or DistanceKind.HammingDistance ? VectorQuantization.None : hnsw.Quantization);
            }

            vectors[i] = new VectorColumnSpec(vectorName, source, dimensions, (DistanceKind)distance, indexKind, (VectorQuantization)quantization, hnsw);
            modelIds[i] = reader.ReadBoolean() ? reader.ReadString() : null;
        }

        int count = ReadCount(reader, "record");
        return (name, new CollectionSchema(keyName, keyType, data, vectors), count, modelIds);
    }

    private static void WriteGraph(BinaryWriter writer, HashingStream hashing, HnswGraph graph, int count)
    {
        writer.Write(graph.EntryPoint);
        writer.Write(graph.MaxLevel);
        writer.Flush();
        hashing.Write(graph.Levels.AsSpan(0, count));
        hashing.Write(MemoryMarshal.AsBytes(graph.Links0.AsSpan(0, count * graph.Stride0)));
        for (int node = 0; node < count; node++)
        {
            if (graph.Upper[node] is int[] upper)
            {
                hashing.Write(MemoryMarshal.AsBytes(upper.AsSpan()));
            }
        }
    }

    private static void ReadGraph(BinaryReader reader, HashingStream hashing, HnswGraph graph, int count)
    {
        int entry = reader.ReadInt32();
        int maxLevel = reader.ReadInt32();
        Span<byte> levels = graph.Levels.AsSpan(0, count);
        hashing.ReadExactly(levels);
        Span<int> links0 = graph.Links0.AsSpan(0, count * graph.Stride0);
        hashing.ReadExactly(MemoryMarshal.AsBytes(links0));
        int top = -1;
        for (int node = 0; node < count; node++)
        {
            int level = levels[node];
            top = Math.Max(top, level);
            if (level > 0)
            {
                int[] upper = new int[level * (graph.M + 1)];
                hashing.ReadExactly(MemoryMarshal.AsBytes(upper.AsSpan()));
                graph.Upper[node] = upper;
                CheckLinks(upper, graph.M, graph.M + 1, count);
            }
        }

        CheckLinks(links0, graph.M0, graph.Stride0, count);
        if (count == 0 ? entry != -1 || maxLevel != -1 : entry < 0 || entry >= count || maxLevel != top || levels[entry] != top)
        {
            throw new InvalidDataException("Corrupt snapshot: the HNSW entry point or top level is invalid.");
        }

        graph.Restore(entry, maxLevel);
    }

    private static void CheckLinks(ReadOnlySpan<int> links, int capacity, int stride, int count)
    {
        for (int start = 0; start < links.Length; start += stride)
        {
            int n = links[start];
            if ((uint)n > (uint)capacity)
            {
                throw new InvalidDataException("Corrupt snapshot: an HNSW neighbour list is longer than the graph allows.");
            }

            foreach (int neighbour in links.Slice(start + 1, n))
            {
                if ((uint)neighbour >= (uint)count)
                {
                    throw new InvalidDataException("Corrupt snapshot: an HNSW link points outside the collection.");
                }
            }
        }
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
