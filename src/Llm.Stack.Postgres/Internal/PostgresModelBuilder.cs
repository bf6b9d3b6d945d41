using System.Diagnostics.CodeAnalysis;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Postgres;

/// <summary>Builds and validates the MEVD collection model of a PostgreSQL collection (once per collection handle).</summary>
internal sealed class PostgresModelBuilder() : ConnectorModelBuilder("the PostgreSQL vector store", IndexKind.Hnsw, BuildingOptions)
{
    private static readonly CollectionModelBuildingOptions BuildingOptions = new()
    {
        RequiresAtLeastOneVector = false,
        SupportsMultipleVectors = true,
    };

    /// <inheritdoc />
    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = PostgresTypes.SupportedDataTypes;
        return PostgresTypes.TryGetColumnType(type, out _);
    }

    /// <inheritdoc />
    protected override void ValidateProperty(PropertyModel propertyModel, VectorStoreCollectionDefinition? definition)
    {
        base.ValidateProperty(propertyModel, definition);
        PostgresSql.ValidateIdentifier(propertyModel.StorageName, $"The storage name of property '{propertyModel.ModelName}'", nameof(definition));
        if (propertyModel is DataPropertyModel { IsFullTextIndexed: true } text && text.Type != typeof(string))
        {
            throw new NotSupportedException($"Data property '{text.ModelName}' is full-text indexed, which the PostgreSQL vector store supports only for string properties (it has type '{text.Type.Name}').");
        }

        if (propertyModel is VectorPropertyModel vector)
        {
            if (vector.Dimensions is <= 0 or > PostgresSql.MaxDimensions)
            {
                throw new InvalidOperationException($"Vector property '{vector.ModelName}' must declare from 1 to {PostgresSql.MaxDimensions} dimensions (pgvector's limit), but declares {vector.Dimensions}.");
            }

            _ = PostgresDistance.Get(vector.DistanceFunction, vector.ModelName);
            if (vector.IndexKind is not (IndexKind.Flat or IndexKind.Hnsw or IndexKind.IvfFlat))
            {
                throw new NotSupportedException(
                    $"Index kind '{vector.IndexKind}' of vector property '{vector.ModelName}' is not supported by the PostgreSQL vector store; use {IndexKind.Hnsw} (the default), {IndexKind.IvfFlat} or {IndexKind.Flat} (no index: exact search).");
            }

            if (vector.IndexKind == IndexKind.IvfFlat && vector.DistanceFunction == DistanceFunction.ManhattanDistance)
            {
                throw new NotSupportedException($"Vector property '{vector.ModelName}': pgvector's IVFFlat index does not support {DistanceFunction.ManhattanDistance}; use {IndexKind.Hnsw} or {IndexKind.Flat}.");
            }

            if (vector.Dimensions > PostgresSql.MaxIndexedDimensions && vector.IndexKind != IndexKind.Flat)
            {
                throw new NotSupportedException($"Vector property '{vector.ModelName}' has {vector.Dimensions} dimensions; pgvector indexes at most {PostgresSql.MaxIndexedDimensions}: use {IndexKind.Flat}.");
            }
        }
    }
}
