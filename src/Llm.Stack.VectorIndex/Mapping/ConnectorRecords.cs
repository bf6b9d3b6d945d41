using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// The record-mapping steps shared by the stack's vector stores: embedding generation for non-vector "vector"
/// properties, reading a record's vector, key normalization, vector validation, vector values back into records and
/// search inputs to query vectors. Each store keeps only its storage form.
/// </summary>
internal static class ConnectorRecords
{
    /// <summary>Generates the embeddings of every vector property that is not a native vector type, one batch per property (null where native).</summary>
    public static async Task<IReadOnlyList<Embedding>?[]> GenerateEmbeddingsAsync<TRecord>(CollectionModel model, List<TRecord> records, CancellationToken cancellationToken)
        where TRecord : class
    {
        var generated = new IReadOnlyList<Embedding>?[model.VectorProperties.Count];
        for (int p = 0; p < model.VectorProperties.Count; p++)
        {
            VectorPropertyModel property = model.VectorProperties[p];
            if (!ConnectorModelBuilder.IsNativeVectorType(property.Type))
            {
                generated[p] = await property.GenerateEmbeddingsAsync(records.Select(r => property.GetValueAsObject(r)), cancellationToken).ConfigureAwait(false);
                if (generated[p]!.Count != records.Count)
                {
                    throw new InvalidOperationException(
                        $"The embedding generator of property '{property.ModelName}' returned {generated[p]!.Count} embeddings for {records.Count} inputs.");
                }
            }
        }

        return generated;
    }

    /// <summary>
    /// The vector of <paramref name="record"/> for <paramref name="property"/>: the generated embedding at <paramref name="index"/>
    /// when there is one, else the property's value; <see langword="null"/> when absent (an empty value of a nullable
    /// <c>ReadOnlyMemory&lt;float&gt;?</c> counts as absent).
    /// </summary>
    public static ReadOnlyMemory<float>? ReadVector(VectorPropertyModel property, object record, IReadOnlyList<Embedding>? generated, int index, object key, string paramName)
    {
        ReadOnlyMemory<float>? vector;
        if (generated is not null)
        {
            vector = generated[index] is Embedding<float> e
                ? e.Vector
                : throw new InvalidOperationException($"The embedding generator of property '{property.ModelName}' must produce Embedding<float>.");
        }
        else
        {
            vector = property.GetValueAsObject(record) switch
            {
                null => null,
                ReadOnlyMemory<float> m => m,
                float[] a => a,
                Embedding<float> e => e.Vector,
                object other => throw new ArgumentException(
                    $"Vector property '{property.ModelName}' of record '{key}' holds a '{other.GetType().Name}'; expected {ConnectorModelBuilder.SupportedVectorTypes}.", paramName),
            };
        }

        return vector is { Length: 0 } && property.Type == typeof(ReadOnlyMemory<float>?) ? null : vector;
    }

    /// <summary>A stored vector as the value of a native vector property of type <paramref name="type"/> (the array is not copied).</summary>
    public static object ToVectorValue(float[] values, Type type)
        => type == typeof(float[]) ? values
        : type == typeof(Embedding<float>) ? new Embedding<float>(values)
        : new ReadOnlyMemory<float>(values);

    /// <summary>
    /// Checks a key and converts it to <paramref name="keyType"/>: null and empty keys are rejected; a dynamic collection
    /// converts other key types (a Guid from its text), a typed one requires the exact type.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="keyType">The collection's key type.</param>
    /// <param name="dynamic">Whether the collection is dynamic (keys typed as object).</param>
    /// <param name="paramName">The argument the key came from.</param>
    /// <param name="index">The record's index in a batch, or -1.</param>
    public static object NormalizeKey(object? key, Type keyType, bool dynamic, string paramName, int index = -1)
    {
        switch (key)
        {
            case null:
                throw new ArgumentException($"The key is null{Where(index)}.", paramName);
            case string s when s.Length == 0:
                throw new ArgumentException($"The key is an empty string{Where(index)}.", paramName);
        }

        if (key.GetType() == keyType)
        {
            return key;
        }

        if (dynamic)
        {
            try
            {
                return keyType == typeof(Guid) && key is string text ? Guid.Parse(text) : Convert.ChangeType(key, keyType, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
            {
                throw new ArgumentException($"The key '{key}' of type '{key.GetType().Name}' cannot be converted to the collection's key type '{keyType.Name}'{Where(index)}.", paramName, e);
            }
        }

        throw new ArgumentException($"The key has type '{key.GetType().Name}'; expected '{keyType.Name}'{Where(index)}.", paramName);
    }

    /// <summary>" (record at index N)", or nothing for -1.</summary>
    public static string Where(int index) => index < 0 ? string.Empty : $" (record at index {index})";

    /// <summary>Checks a vector's dimensions, that every component is finite, and that it is not zero under a function that needs its norm.</summary>
    public static void ValidateVector(ReadOnlySpan<float> vector, string propertyName, int dimensions, string? normDistance, string what, string paramName)
    {
        if (vector.Length != dimensions)
        {
            throw new ArgumentException($"{what} has {vector.Length} dimensions; the property '{propertyName}' has {dimensions}.", paramName);
        }

        bool nonZero = false;
        for (int i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new ArgumentException($"{what} has a non-finite component ({vector[i]}) at index {i}.", paramName);
            }

            nonZero |= vector[i] != 0;
        }

        if (!nonZero && normDistance is not null)
        {
            throw new ArgumentException($"{what} is a zero vector, for which {normDistance} is undefined.", paramName);
        }
    }

    /// <summary>The query vector of a search input: a vector as is, anything else through the property's embedding generator (marked as a query).</summary>
    public static async ValueTask<ReadOnlyMemory<float>> ResolveQueryAsync<TInput>(TInput searchValue, VectorPropertyModel property, CancellationToken cancellationToken)
    {
        switch (searchValue)
        {
            case ReadOnlyMemory<float> m:
                return m;
            case float[] a:
                return a;
            case Embedding<float> e:
                return e.Vector;
        }

        if (property.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator)
        {
            GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync([searchValue], EmbeddingPurpose.ForQuery(), cancellationToken).ConfigureAwait(false);
            return embeddings[0].Vector;
        }

        throw property.EmbeddingGenerator is null
            ? new NotSupportedException(VectorDataStrings.InvalidSearchInputAndNoEmbeddingGeneratorWasConfigured(searchValue!.GetType(), ConnectorModelBuilder.SupportedVectorTypes))
            : new InvalidOperationException(VectorDataStrings.IncompatibleEmbeddingGeneratorWasConfiguredForInputType(typeof(TInput), property.EmbeddingGenerator.GetType()));
    }

    /// <summary>Throws when vectors are asked for but a property's vectors are generated (MEVD's rule); returns <paramref name="includeVectors"/>.</summary>
    public static bool CheckIncludeVectors(CollectionModel model, bool includeVectors)
        => includeVectors && model.EmbeddingGenerationRequired
            ? throw new NotSupportedException(VectorDataStrings.IncludeVectorsNotSupportedWithEmbeddingGeneration)
            : includeVectors;
}
