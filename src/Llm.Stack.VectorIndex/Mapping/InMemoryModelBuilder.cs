using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>Builds and validates the MEVD collection model for the in-memory index (run once per collection handle).</summary>
internal sealed class InMemoryModelBuilder(string defaultIndexKind) : ConnectorModelBuilder("the in-memory vector store", defaultIndexKind, BuildingOptions)
{
    private static readonly CollectionModelBuildingOptions BuildingOptions = new()
    {
        RequiresAtLeastOneVector = false,
        SupportsMultipleVectors = true,
    };

    /// <inheritdoc />
    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        // Any .NET type can be held in memory; persistence checks the types it can write.
        supportedTypes = string.Empty;
        return true;
    }

    /// <inheritdoc />
    protected override void ValidateProperty(PropertyModel propertyModel, VectorStoreCollectionDefinition? definition)
    {
        base.ValidateProperty(propertyModel, definition);
        if (propertyModel is VectorPropertyModel vector)
        {
            if (vector.Dimensions <= 0)
            {
                throw new InvalidOperationException($"Vector property '{vector.ModelName}' must declare a positive number of dimensions.");
            }

            _ = Distances.Parse(vector.DistanceFunction, vector.ModelName);
            if (vector.IndexKind is not (null or IndexKind.Flat or IndexKind.QuantizedFlat or IndexKind.Hnsw or IndexKind.Dynamic))
            {
                throw new NotSupportedException(
                    $"Index kind '{vector.IndexKind}' of vector property '{vector.ModelName}' is not supported by the in-memory vector store; use {IndexKind.Flat} (exact), {IndexKind.QuantizedFlat} or {IndexKind.Hnsw} (approximate graph).");
            }
        }
    }
}
