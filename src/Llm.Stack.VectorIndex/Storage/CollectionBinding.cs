using System.Collections.Concurrent;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>Maps the properties of one collection handle's model to the columns of the stored schema (built once per handle and stored data).</summary>
internal sealed class CollectionBinding
{
    private CollectionBinding(CollectionData data, int[] dataColumns, int[] vectorColumns)
    {
        Data = data;
        DataColumns = dataColumns;
        VectorColumns = vectorColumns;
    }

    public CollectionData Data { get; }

    /// <summary>Gets the compiled filters of this handle, by expression shape.</summary>
    public ConcurrentDictionary<string, Func<object?[], object?[], bool>> Filters { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets the compiled filters of this handle by the shape of the filter as written (<see cref="FilterShapeComparer"/>),
    /// so that a filter seen before is not rewritten; each entry keeps the first filter of its shape, with the values it captured.
    /// </summary>
    public ConcurrentDictionary<System.Linq.Expressions.LambdaExpression, Func<object?[], object?[], bool>> FilterShapes { get; } = new(FilterShapeComparer.Instance);

    /// <summary>Gets, per model data property, its index in the stored values.</summary>
    public int[] DataColumns { get; }

    /// <summary>Gets, per model vector property, its vector column index (its source value sits at <c>Schema.Data.Length + index</c>).</summary>
    public int[] VectorColumns { get; }

    public static CollectionBinding Create(CollectionData data, CollectionModel model)
    {
        CollectionSchema schema = data.Schema;
        if (schema.KeyName != model.KeyProperty.StorageName || schema.KeyType != model.KeyProperty.Type)
        {
            throw new InvalidOperationException(
                $"Collection '{data.Name}' stores key '{schema.KeyName}' of type '{schema.KeyType.Name}', which this record type does not match (key '{model.KeyProperty.StorageName}' of type '{model.KeyProperty.Type.Name}').");
        }

        var dataColumns = new int[model.DataProperties.Count];
        for (int i = 0; i < dataColumns.Length; i++)
        {
            DataPropertyModel p = model.DataProperties[i];
            int c = schema.FindData(p.StorageName);
            if (c < 0 || schema.Data[c].Type != p.Type)
            {
                throw new InvalidOperationException(
                    $"Collection '{data.Name}' has no data property '{p.StorageName}' of type '{p.Type.Name}'; it was created with a different record definition.");
            }

            dataColumns[i] = c;
        }

        var vectorColumns = new int[model.VectorProperties.Count];
        for (int i = 0; i < vectorColumns.Length; i++)
        {
            VectorPropertyModel p = model.VectorProperties[i];
            int c = schema.FindVector(p.StorageName);
            if (c < 0 || schema.Vectors[c].Dimensions != p.Dimensions || schema.Vectors[c].Distance != Distances.Parse(p.DistanceFunction, p.ModelName))
            {
                throw new InvalidOperationException(
                    $"Collection '{data.Name}' has no vector property '{p.StorageName}' with {p.Dimensions} dimensions and distance '{p.DistanceFunction}'; it was created with a different record definition.");
            }

            vectorColumns[i] = c;
        }

        return new CollectionBinding(data, dataColumns, vectorColumns);
    }
}
