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

    /// <summary>Gets or sets how long an ingestion waits for another process that is writing the same index folder.</summary>
    /// <value>
    /// <see cref="Timeout.InfiniteTimeSpan"/> to wait until it finishes; <see cref="TimeSpan.Zero"/> to fail at once with
    /// <see cref="IndexLockedException"/>. The default value is <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan WriterLockTimeout
    {
        get;
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The timeout must not be negative (except Timeout.InfiniteTimeSpan).");
            }

            field = value;
        }
    } = Timeout.InfiniteTimeSpan;
}
