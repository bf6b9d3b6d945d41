namespace Llm.Stack.Local;

/// <summary>
/// The index on disk was built with another embedder than the configured one: its vectors cannot be compared with
/// new ones. Open it with <c>rebuild: true</c> to start over and re-embed every document.
/// </summary>
public sealed class EmbedderMismatchException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="EmbedderMismatchException"/> class.</summary>
    /// <param name="indexModel">The model id the index was built with.</param>
    /// <param name="indexDimensions">The dimensions the index was built with.</param>
    /// <param name="configuredModel">The configured embedder's model id.</param>
    /// <param name="configuredDimensions">The configured embedder's dimensions.</param>
    public EmbedderMismatchException(string indexModel, int indexDimensions, string configuredModel, int configuredDimensions)
        : base($"The index was built with the embedder '{indexModel}' ({indexDimensions} dimensions), but the configured embedder is '{configuredModel}' ({configuredDimensions} dimensions); rebuild the index to re-embed every document.")
    {
        IndexModel = indexModel;
        IndexDimensions = indexDimensions;
        ConfiguredModel = configuredModel;
        ConfiguredDimensions = configuredDimensions;
    }

    /// <summary>Gets the model id the index was built with.</summary>
    public string IndexModel { get; }

    /// <summary>Gets the dimensions the index was built with.</summary>
    public int IndexDimensions { get; }

    /// <summary>Gets the configured embedder's model id.</summary>
    public string ConfiguredModel { get; }

    /// <summary>Gets the configured embedder's dimensions.</summary>
    public int ConfiguredDimensions { get; }
}
