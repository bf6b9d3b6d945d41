using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Embedding middleware that applies an <see cref="EmbeddingAdapter"/> to query embeddings (requests marked with
/// <see cref="EmbeddingPurpose.Query"/>) and passes document embeddings through unchanged, so an index built with the
/// base embedder needs no re-embedding.
/// </summary>
/// <remarks>
/// The constructor checks that the inner generator is the embedder the adapter was trained for, by the
/// <see cref="EmbeddingGeneratorMetadata"/> it reports (model id and dimensions); every query checks the dimensions of
/// what it returns. Thread-safe when the inner generator is.
/// </remarks>
public sealed class AdaptedEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingAdapter _adapter;

    /// <summary>Initializes a new instance of the <see cref="AdaptedEmbeddingGenerator"/> class.</summary>
    /// <param name="innerGenerator">The base embedder.</param>
    /// <param name="adapter">The adapter trained for it.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="EmbeddingAdapterMismatchException">The inner generator reports another model or other dimensions than the adapter was trained for.</exception>
    public AdaptedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, EmbeddingAdapter adapter)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        _adapter = adapter;
        EmbeddingGeneratorMetadata? metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
        bool otherModel = metadata?.DefaultModelId is { Length: > 0 } modelId && !string.Equals(modelId, adapter.EmbedderModelId, StringComparison.Ordinal);
        bool otherDimensions = metadata?.DefaultModelDimensions is int dimensions && dimensions != adapter.Dimensions;
        if (otherModel || otherDimensions)
        {
            throw new EmbeddingAdapterMismatchException(adapter, metadata!.DefaultModelId ?? innerGenerator.GetType().Name, metadata.DefaultModelDimensions);
        }
    }

    /// <summary>Gets the adapter applied to queries.</summary>
    public EmbeddingAdapter Adapter => _adapter;

    /// <inheritdoc />
    /// <exception cref="EmbeddingAdapterMismatchException">The inner generator returned embeddings of other dimensions than the adapter's.</exception>
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        GeneratedEmbeddings<Embedding<float>> generated = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        if (!EmbeddingPurpose.IsQuery(options))
        {
            return generated;
        }

        var adapted = new List<Embedding<float>>(generated.Count);
        foreach (Embedding<float> embedding in generated)
        {
            if (embedding.Vector.Length != _adapter.Dimensions)
            {
                throw new EmbeddingAdapterMismatchException(_adapter, embedding.ModelId ?? InnerGenerator.GetType().Name, embedding.Vector.Length);
            }

            float[] vector = new float[_adapter.Dimensions];
            _adapter.Apply(embedding.Vector.Span, vector);
            adapted.Add(new Embedding<float>(vector)
            {
                CreatedAt = embedding.CreatedAt,
                ModelId = embedding.ModelId,
                AdditionalProperties = embedding.AdditionalProperties,
            });
        }

        return new GeneratedEmbeddings<Embedding<float>>(adapted)
        {
            Usage = generated.Usage,
            AdditionalProperties = generated.AdditionalProperties,
        };
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(EmbeddingAdapter) ? _adapter : base.GetService(serviceType, serviceKey);
    }
}
