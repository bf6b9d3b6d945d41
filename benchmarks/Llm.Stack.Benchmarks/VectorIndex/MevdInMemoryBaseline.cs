using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The search path of Semantic Kernel's MEVD InMemory connector (<c>Microsoft.SemanticKernel.Connectors.InMemory</c>),
/// reproduced for the benchmark because the package is not available here. Written from reading
/// microsoft/semantic-kernel at commit 6e102255f1903916ce97c80f07aae3a771e42ba7 (the last commit before the connector
/// moved to CommunityToolkit/AI), files <c>dotnet/src/VectorData/InMemory/InMemoryCollection.cs</c> (<c>UpsertAsync</c>,
/// <c>SearchAsync</c>), <c>InMemoryCollectionSearchMapping.cs</c>, <c>InMemoryRecordWrapper.cs</c> and
/// <c>InMemoryModelBuilder.cs</c>; no code was copied. What it reproduces:
/// <list type="bullet">
/// <item>storage: a <see cref="ConcurrentDictionary{TKey, TValue}"/> of <c>object → object</c>, the key boxed, the value
/// a boxed wrapper struct holding the caller's record (whose vector is its own array) and an empty dictionary for
/// generated embeddings;</item>
/// <item>the collection model built by MEVD's own <see cref="CollectionModelBuilder"/>, and the vector read per record
/// through MEVD's <see cref="PropertyModel.GetValueAsObject(object)"/> accessor (boxing the <see cref="ReadOnlyMemory{T}"/>),
/// then unboxed by a type switch, as the connector does;</item>
/// <item>scoring: a switch on the distance function name, <see cref="TensorPrimitives.CosineSimilarity(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// for the default (null) function, the score conversion, a nullable (record, score) tuple per record;</item>
/// <item>ranking: <c>Values</c> snapshot, <c>Cast</c>, <c>Select</c>, <c>Where(HasValue)</c>, <c>OrderByDescending</c>,
/// <c>Skip</c>, <c>Take</c>, one <see cref="VectorSearchResult{TRecord}"/> per result, yielded by an async iterator.</item>
/// </list>
/// Nothing is slowed down beyond that: no filter, no score threshold, default options.
/// </summary>
internal sealed class MevdInMemoryBaseline(VectorStoreCollectionDefinition definition)
{
    private static readonly VectorSearchOptions<VectorSearchBenchmark.Item> DefaultOptions = new();

    private readonly ConcurrentDictionary<object, object> _records = new();
    private readonly CollectionModel _model = new ConnectorModelBuilder().Build(typeof(VectorSearchBenchmark.Item), typeof(int), definition, defaultEmbeddingGenerator: null);

    /// <summary>Stores the records as the connector's <c>UpsertAsync</c> does (key read through the model, boxed wrapper).</summary>
    public void Upsert(IEnumerable<VectorSearchBenchmark.Item> records)
    {
        KeyPropertyModel keyProperty = _model.KeyProperty;
        foreach (VectorSearchBenchmark.Item record in records)
        {
            int key = (int)keyProperty.GetValueAsObject(record)!;
            var wrapped = new Wrapper(record);
            _records.AddOrUpdate(key, wrapped, (_, _) => wrapped);
        }
    }

    /// <summary>The connector's <c>SearchAsync</c> for a vector input and default options.</summary>
    public async IAsyncEnumerable<VectorSearchResult<VectorSearchBenchmark.Item>> SearchAsync(
        ReadOnlyMemory<float> searchValue, int top, VectorSearchOptions<VectorSearchBenchmark.Item>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= DefaultOptions;
        VectorPropertyModel vectorProperty = _model.GetVectorPropertyOrSingle(options);
        ReadOnlyMemory<float> inputVector = searchValue;
        await Task.CompletedTask.ConfigureAwait(false);

        IEnumerable<Wrapper> allValues = _records.Values.Cast<Wrapper>();
        IEnumerable<(VectorSearchBenchmark.Item Record, float Score)?> scored = allValues.Select<Wrapper, (VectorSearchBenchmark.Item Record, float Score)?>(wrapper =>
        {
            ReadOnlySpan<float> vector;
            if (IsNativeVectorType(vectorProperty.Type))
            {
                object? value = vectorProperty.GetValueAsObject(wrapper.Record);
                if (value is null)
                {
                    return null;
                }

                vector = value switch
                {
                    ReadOnlyMemory<float> m => m.Span,
                    Embedding<float> e => e.Vector.Span,
                    float[] a => a,
                    _ => throw new InvalidOperationException("Unreachable."),
                };
            }
            else
            {
                vector = wrapper.GeneratedVectors[vectorProperty.ModelName].Span;
            }

            float score = Compare(inputVector.Span, vector, vectorProperty.DistanceFunction);
            return (wrapper.Record, Convert(score, vectorProperty.DistanceFunction));
        });
        IEnumerable<(VectorSearchBenchmark.Item Record, float Score)> nonNull = scored.Where(x => x.HasValue).Select(x => x!.Value);
        IEnumerable<(VectorSearchBenchmark.Item Record, float Score)> sorted = SortDescending(vectorProperty.DistanceFunction)
            ? nonNull.OrderByDescending(x => x.Score)
            : nonNull.OrderBy(x => x.Score);
        foreach (VectorSearchResult<VectorSearchBenchmark.Item> result in sorted.Skip(options.Skip).Take(top).Select(x => new VectorSearchResult<VectorSearchBenchmark.Item>(x.Record, x.Score)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return result;
        }
    }

    private static bool IsNativeVectorType(Type type)
        => type == typeof(ReadOnlyMemory<float>) || type == typeof(ReadOnlyMemory<float>?) || type == typeof(Embedding<float>) || type == typeof(float[]);

    private static float Compare(ReadOnlySpan<float> x, ReadOnlySpan<float> y, string? distanceFunction) => distanceFunction switch
    {
        null or DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance => TensorPrimitives.CosineSimilarity(x, y),
        DistanceFunction.DotProductSimilarity => TensorPrimitives.Dot(x, y),
        DistanceFunction.EuclideanDistance => TensorPrimitives.Distance(x, y),
        _ => throw new NotSupportedException(distanceFunction),
    };

    private static bool SortDescending(string? distanceFunction) => distanceFunction switch
    {
        null or DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity => true,
        DistanceFunction.CosineDistance or DistanceFunction.EuclideanDistance => false,
        _ => throw new NotSupportedException(distanceFunction),
    };

    private static float Convert(float score, string? distanceFunction) => distanceFunction switch
    {
        DistanceFunction.CosineDistance => 1 - score,
        null or DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity or DistanceFunction.EuclideanDistance => score,
        _ => throw new NotSupportedException(distanceFunction),
    };

    /// <summary>The connector's record wrapper: a struct stored boxed, with a dictionary for generated embeddings.</summary>
    private readonly struct Wrapper(VectorSearchBenchmark.Item record)
    {
        public VectorSearchBenchmark.Item Record { get; } = record;

        public Dictionary<string, ReadOnlyMemory<float>> GeneratedVectors { get; } = [];
    }

    /// <summary>The connector's model builder: any data type, the three native vector types, several vectors allowed.</summary>
    private sealed class ConnectorModelBuilder() : CollectionModelBuilder(new CollectionModelBuildingOptions { RequiresAtLeastOneVector = false, SupportsMultipleVectors = true })
    {
        protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
        {
            supportedTypes = string.Empty;
            return true;
        }

        protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
        {
            supportedTypes = "ReadOnlyMemory<float>, Embedding<float>, float[]";
            return IsNativeVectorType(type);
        }
    }
}
