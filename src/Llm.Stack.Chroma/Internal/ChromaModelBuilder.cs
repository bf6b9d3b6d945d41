using System.Diagnostics.CodeAnalysis;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Chroma;

/// <summary>Builds and validates the MEVD collection model of a Chroma collection (once per collection handle).</summary>
/// <remarks>
/// A Chroma record has one embedding, so a record type has at most one vector property; one with none is stored with a
/// constant one-dimensional placeholder embedding and cannot be searched. Chroma indexes every collection with HNSW.
/// </remarks>
internal sealed class ChromaModelBuilder() : ConnectorModelBuilder("the Chroma vector store", IndexKind.Hnsw, BuildingOptions)
{
    private static readonly CollectionModelBuildingOptions BuildingOptions = new()
    {
        RequiresAtLeastOneVector = false,
        SupportsMultipleVectors = false,
    };

    /// <inheritdoc />
    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = ChromaValues.SupportedDataTypes;
        return ChromaValues.IsSupported(type);
    }

    /// <inheritdoc />
    protected override void ValidateProperty(PropertyModel propertyModel, VectorStoreCollectionDefinition? definition)
    {
        base.ValidateProperty(propertyModel, definition);
        if (propertyModel.StorageName.Contains('#', StringComparison.Ordinal) || propertyModel.StorageName.StartsWith('$'))
        {
            throw new ArgumentException(
                $"The storage name '{propertyModel.StorageName}' of property '{propertyModel.ModelName}' holds '#' or starts with '$', which the Chroma vector store reserves for its null and list flags and Chroma for its operators.",
                nameof(definition));
        }

        if (propertyModel is VectorPropertyModel vector)
        {
            if (vector.Dimensions <= 0)
            {
                throw new InvalidOperationException($"Vector property '{vector.ModelName}' must declare a positive number of dimensions.");
            }

            _ = ChromaDistance.Get(vector.DistanceFunction, vector.ModelName);
            if (vector.IndexKind != IndexKind.Hnsw)
            {
                throw new NotSupportedException(
                    $"Index kind '{vector.IndexKind}' of vector property '{vector.ModelName}' is not supported by the Chroma vector store: Chroma indexes every collection with {IndexKind.Hnsw} (the default).");
            }
        }
    }
}
