namespace Llm.Stack.Local;

/// <summary>Options of <c>AddLocalDefaults</c>.</summary>
/// <remarks>Read once when the services are built; do not mutate afterwards.</remarks>
public sealed class LocalDefaultsOptions
{
    /// <summary>Gets or sets the name of the chunk collection.</summary>
    /// <value>The default value is <c>documents</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string CollectionName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "documents";

    /// <summary>Gets or sets a value indicating whether retrieval fuses BM25 keyword and vector rankings.</summary>
    /// <value>The default value is <see langword="true"/>; <see langword="false"/> searches by vector only.</value>
    public bool HybridRetrieval { get; set; } = true;
}
