using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Embedding middleware that applies an <see cref="EmbeddingAdapter"/> to query embeddings (requests marked with
/// <see cref="EmbeddingPurpose.Query"/>) and passes document embeddings through unchanged, so an index built with the
/// base embedder needs no re-embedding.
/// </summary>
/// <remarks>
/// The first query checks that the inner generator is the embedder the adapter was trained for (its
/// <see cref="EmbeddingGeneratorMetadata.DefaultModelId"/>, when it reports one, and the dimensions of what it returns).
/// Thread-safe when the inner generator is.
/// </remarks>
public sealed class AdaptedEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingAdapter _adapter;
    private int _checked;

    /// <summary>Initializes a new instance of the <see cref="AdaptedEmbeddingGenerator"/> class.</summary>
    /// <param name="innerGenerator">The base embedder.</param>
    /// <param name="adapter">The adapter trained for it.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public AdaptedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, EmbeddingAdapter adapter)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        _adapter = adapter;
    }

    /// <summary>Gets the adapter applied to queries.</summary>
    public EmbeddingAdapter Adapter => _adapter;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The inner generator is not the embedder the adapter was trained for.</exception>
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

        if (Volatile.Read(ref _checked) == 0)
        {
            CheckEmbedder();
            Volatile.Write(ref _checked, 1);
        }

        var adapted = new List<Embedding<float>>(generated.Count);
        foreach (Embedding<float> embedding in generated)
        {
            if (embedding.Vector.Length != _adapter.Dimensions)
            {
                throw new InvalidOperationException(
                    $"The embedder returned {embedding.Vector.Length} dimensions; the adapter was trained for {_adapter.Dimensions} ({_adapter.EmbedderModelId}).");
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

    private void CheckEmbedder()
    {
        EmbeddingGeneratorMetadata? metadata = InnerGenerator.GetService<EmbeddingGeneratorMetadata>();
        if (metadata?.DefaultModelId is { Length: > 0 } modelId && !string.Equals(modelId, _adapter.EmbedderModelId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The embedding adapter was trained for '{_adapter.EmbedderModelId}', but the embedder is '{modelId}'. Train an adapter for this embedder, or remove the adapter.");
        }
    }
}
