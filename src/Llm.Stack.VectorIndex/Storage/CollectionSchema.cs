using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>The stored shape of a collection: key, data columns and vector columns, by storage name.</summary>
internal sealed class CollectionSchema
{
    public CollectionSchema(string keyName, Type keyType, DataColumnSpec[] data, VectorColumnSpec[] vectors)
    {
        KeyName = keyName;
        KeyType = keyType;
        Data = data;
        Vectors = vectors;
    }

    public string KeyName { get; }

    public Type KeyType { get; }

    public DataColumnSpec[] Data { get; }

    public VectorColumnSpec[] Vectors { get; }

    /// <summary>Gets the number of per-record values: one per data column, one per vector column (the source value of generated vectors), then the key.</summary>
    public int ValueCount => Data.Length + Vectors.Length + 1;

    /// <summary>Gets the index of the key in the per-record values.</summary>
    public int KeyIndex => Data.Length + Vectors.Length;

    public static CollectionSchema FromModel(CollectionModel model, VectorQuantization flatQuantization, VectorQuantization quantizedFlatEncoding, HnswParameters hnsw)
    {
        var data = new DataColumnSpec[model.DataProperties.Count];
        for (int i = 0; i < data.Length; i++)
        {
            DataPropertyModel p = model.DataProperties[i];
            data[i] = new DataColumnSpec(p.StorageName, p.Type, p.IsIndexed, p.IsFullTextIndexed);
        }

        var vectors = new VectorColumnSpec[model.VectorProperties.Count];
        for (int i = 0; i < vectors.Length; i++)
        {
            VectorPropertyModel p = model.VectorProperties[i];
            DistanceKind distance = Distances.Parse(p.DistanceFunction, p.ModelName);
            string indexKind = p.IndexKind ?? IndexKind.Flat;
            bool graph = indexKind == IndexKind.Hnsw;
            VectorQuantization quantization = distance is DistanceKind.ManhattanDistance or DistanceKind.HammingDistance ? VectorQuantization.None
                : graph ? hnsw.Quantization
                : indexKind == IndexKind.QuantizedFlat ? quantizedFlatEncoding
                : flatQuantization;
            vectors[i] = new VectorColumnSpec(p.StorageName, p.Type, p.Dimensions, distance, indexKind, quantization, graph ? hnsw : null);
        }

        return new CollectionSchema(model.KeyProperty.StorageName, model.KeyProperty.Type, data, vectors);
    }

    public int FindData(string storageName) => Array.FindIndex(Data, d => d.Name == storageName);

    public int FindVector(string storageName) => Array.FindIndex(Vectors, v => v.Name == storageName);
}

/// <summary>A data column of the schema.</summary>
internal sealed record DataColumnSpec(string Name, Type Type, bool IsIndexed, bool IsFullTextIndexed);

/// <summary>A vector column of the schema; <paramref name="Hnsw"/> is set when the column is indexed by an HNSW graph.</summary>
internal sealed record VectorColumnSpec(string Name, Type SourceType, int Dimensions, DistanceKind Distance, string IndexKind, VectorQuantization Quantization, HnswParameters? Hnsw = null);
