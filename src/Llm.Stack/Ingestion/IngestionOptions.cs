namespace Llm.Stack;

/// <summary>Options for <see cref="IngestionPipeline"/>: batching, parallelism, transforms, the state and its checkpoints, progress.</summary>
/// <remarks>
/// A pipeline reads its options at the start of each run; options passed to one call replace the pipeline's for
/// that call. Not thread-safe while being configured.
/// </remarks>
public sealed class IngestionOptions
{
    /// <summary>Gets or sets the maximum number of chunks sent to the embedding generator in one call.</summary>
    /// <value>The batch size, at least 1. The default value is 64.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int EmbeddingBatchSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 64;

    /// <summary>Gets or sets the maximum number of tokens (as counted by the chunker) sent to the embedding generator in one call.</summary>
    /// <value>The token budget of a batch, at least 1; a single chunk over it is sent alone. The default value is 16384.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int EmbeddingBatchTokens
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 16384;

    /// <summary>Gets or sets the maximum number of documents processed, and of embedding calls made, at the same time.</summary>
    /// <value>The degree of parallelism, at least 1. The default value is 2.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 2;

    /// <summary>Gets or sets the maximum number of tokens of a chunk made by the pipeline's default chunker.</summary>
    /// <value>
    /// The maximum, at least 4. The default value is 512. When the embedding generator exposes
    /// <see cref="EmbeddingInputLimits"/>, the default chunker counts with its tokenizer and never exceeds its limit.
    /// Ignored when the pipeline is given a chunker.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 4.</exception>
    public int MaxChunkTokens
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 4);
            field = value;
        }
    } = 512;

    /// <summary>Gets or sets the largest content, in bytes, read from one source item; larger items fail without being read.</summary>
    /// <value>The limit in bytes, at least 1. The default value is 64 MiB.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public long MaxDocumentBytes
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 64L * 1024 * 1024;

    /// <summary>Gets the transforms applied to each document, in order, before chunking.</summary>
    /// <value>The default value holds one <see cref="TextNormalizationTransform"/>. Add a PII redaction or boilerplate removal transform here.</value>
    public IList<IDocumentTransform> Transforms { get; } = [new TextNormalizationTransform()];

    /// <summary>Gets or sets the ingestion state (document → hash, version, chunk keys) that makes runs incremental.</summary>
    /// <value>
    /// The state, changed in place by the run; persist it in <see cref="Checkpoint"/>. <see langword="null"/> to keep
    /// it in the pipeline's memory (per collection name), which does not survive the process. The default value is
    /// <see langword="null"/>.
    /// </value>
    public IngestionState? State { get; set; }

    /// <summary>Gets or sets what the pipeline calls at points where <see cref="State"/> and the collection agree, to persist them.</summary>
    /// <value>
    /// The callback; <see langword="null"/> for none. The default value is <see langword="null"/>. It is called every
    /// <see cref="CheckpointInterval"/> chunks written or deleted, at the end of a run, and when a run stops early
    /// (cancelled or failed), each time only when the state changed; no write reaches the collection while it runs.
    /// An exception from it stops the run and is thrown to its caller.
    /// </value>
    public Func<CancellationToken, Task>? Checkpoint { get; set; }

    /// <summary>Gets or sets how many chunks are written or deleted between two calls of <see cref="Checkpoint"/>.</summary>
    /// <value>
    /// The interval, at least 1. The default value is 512: a crash loses at most the embeddings of that many chunks.
    /// A smaller interval loses less work but checkpoints more often.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int CheckpointInterval
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 512;

    /// <summary>Gets or sets a value indicating whether documents that are no longer in the source are deleted from the store.</summary>
    /// <value>
    /// <see langword="true"/> to delete them when the source was read to its end. Documents of an item that failed to
    /// read are never deleted. The default value is <see langword="true"/>.
    /// </value>
    public bool RemoveMissingDocuments { get; set; } = true;

    /// <summary>Gets or sets where progress is reported after each document.</summary>
    /// <value>The progress sink; <see langword="null"/> for none. The default value is <see langword="null"/>.</value>
    public IProgress<IngestionProgress>? Progress { get; set; }

    /// <summary>Creates a copy of these options (the transform list is copied, the transforms shared).</summary>
    /// <returns>The copy.</returns>
    public IngestionOptions Clone()
    {
        var clone = new IngestionOptions
        {
            EmbeddingBatchSize = EmbeddingBatchSize,
            EmbeddingBatchTokens = EmbeddingBatchTokens,
            MaxDegreeOfParallelism = MaxDegreeOfParallelism,
            MaxChunkTokens = MaxChunkTokens,
            MaxDocumentBytes = MaxDocumentBytes,
            State = State,
            Checkpoint = Checkpoint,
            CheckpointInterval = CheckpointInterval,
            RemoveMissingDocuments = RemoveMissingDocuments,
            Progress = Progress,
        };
        clone.Transforms.Clear();
        foreach (IDocumentTransform transform in Transforms)
        {
            clone.Transforms.Add(transform);
        }

        return clone;
    }
}
