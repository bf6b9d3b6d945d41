namespace Llm.Stack;

/// <summary>An <see cref="EmbeddingAdapter"/> is applied to an embedder other than the one it was trained for.</summary>
public sealed class EmbeddingAdapterMismatchException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="EmbeddingAdapterMismatchException"/> class.</summary>
    public EmbeddingAdapterMismatchException()
        : base("The embedding adapter was trained for another embedder.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmbeddingAdapterMismatchException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public EmbeddingAdapterMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmbeddingAdapterMismatchException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EmbeddingAdapterMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EmbeddingAdapterMismatchException"/> class for an adapter and an embedder.</summary>
    /// <param name="adapter">The adapter.</param>
    /// <param name="embedderModelId">The model id the embedder reports.</param>
    /// <param name="embedderDimensions">The dimensions the embedder produces, when known.</param>
    public EmbeddingAdapterMismatchException(EmbeddingAdapter adapter, string embedderModelId, int? embedderDimensions)
        : base(Describe(adapter, embedderModelId, embedderDimensions))
    {
        ArgumentNullException.ThrowIfNull(adapter);
        AdapterModelId = adapter.EmbedderModelId;
        AdapterDimensions = adapter.Dimensions;
        EmbedderModelId = embedderModelId;
        EmbedderDimensions = embedderDimensions;
    }

    /// <summary>Gets the model id the adapter was trained for.</summary>
    public string? AdapterModelId { get; }

    /// <summary>Gets the dimensions the adapter was trained for.</summary>
    public int AdapterDimensions { get; }

    /// <summary>Gets the model id of the embedder the adapter was applied to.</summary>
    public string? EmbedderModelId { get; }

    /// <summary>Gets the dimensions of the embedder the adapter was applied to, when known.</summary>
    public int? EmbedderDimensions { get; }

    private static string Describe(EmbeddingAdapter adapter, string embedderModelId, int? dimensions)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        string embedder = dimensions is int d ? $"'{embedderModelId}' ({d} dimensions)" : $"'{embedderModelId}'";
        return $"The embedding adapter was trained for '{adapter.EmbedderModelId}' ({adapter.Dimensions} dimensions), but the embedder is {embedder}. Train an adapter for this embedder, or remove the adapter.";
    }
}
