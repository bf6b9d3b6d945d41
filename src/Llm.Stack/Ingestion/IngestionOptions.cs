namespace Llm.Stack;

/// <summary>Options for <see cref="IngestionPipeline"/>: batching, parallelism, transforms, the state and its checkpoints, progress.</summary>
/// <remarks>
/// A pipeline reads its options at the start of each run. Its defaults come from configuration
/// (<c>LlmStack:Ingestion</c>) and <c>builder.AddIngestion(options => ...)</c>; an instance passed to a single call is
/// merged over them (<see cref="WithDefaults"/>): what the call sets wins, the rest stays configured. Not thread-safe
/// while being configured; do not mutate an instance while a run that received it is going on.
/// </remarks>
public sealed class IngestionOptions
{
    /// <summary>How messages name the document size limit: its configuration key and its property.</summary>
    internal const string MaxDocumentBytesSetting = "set LlmStack:Ingestion:MaxDocumentBytes, or IngestionOptions.MaxDocumentBytes in code, to raise it";

    private Fields _set;

    /// <summary>Initializes a new instance of the <see cref="IngestionOptions"/> class with the default values.</summary>
    public IngestionOptions()
    {
        Transforms = new TransformList(this) { new TextNormalizationTransform() };
        _set = Fields.None;
    }

    [Flags]
    private enum Fields
    {
        None = 0,
        EmbeddingBatchSize = 1 << 0,
        EmbeddingBatchTokens = 1 << 1,
        MaxDegreeOfParallelism = 1 << 2,
        MaxChunkTokens = 1 << 3,
        MaxDocumentBytes = 1 << 4,
        Transforms = 1 << 5,
        State = 1 << 6,
        Checkpoint = 1 << 7,
        CheckpointInterval = 1 << 8,
        RemoveMissingDocuments = 1 << 9,
        Progress = 1 << 10,
    }

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
            _set |= Fields.EmbeddingBatchSize;
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
            _set |= Fields.EmbeddingBatchTokens;
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
            _set |= Fields.MaxDegreeOfParallelism;
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
            _set |= Fields.MaxChunkTokens;
        }
    } = 512;

    /// <summary>Gets or sets the largest content, in bytes, read from one source item; larger items fail without being read.</summary>
    /// <value>
    /// The limit in bytes, at least 1. The default value is 64 MiB. Configuration key:
    /// <c>LlmStack:Ingestion:MaxDocumentBytes</c>. An item over it is reported as <see cref="IngestionStatus.Failed"/>
    /// with an <see cref="InvalidDataException"/> naming the item, its size and this setting; the other items are ingested.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public long MaxDocumentBytes
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
            _set |= Fields.MaxDocumentBytes;
        }
    } = 64L * 1024 * 1024;

    /// <summary>Gets the transforms applied to each document, in order, before chunking.</summary>
    /// <value>
    /// The default value holds one <see cref="TextNormalizationTransform"/>. Add a PII redaction or boilerplate removal
    /// transform here. Per call (see <see cref="WithDefaults"/>), a list that was changed replaces the configured one.
    /// </value>
    public IList<IDocumentTransform> Transforms { get; }

    /// <summary>Gets or sets the ingestion state (document → hash, version, chunk keys) that makes runs incremental.</summary>
    /// <value>
    /// The state, changed in place by the run; persist it in <see cref="Checkpoint"/>. <see langword="null"/> to keep
    /// it in the pipeline's memory (per collection name), which does not survive the process. The default value is
    /// <see langword="null"/>.
    /// </value>
    public IngestionState? State { get; set { field = value; _set |= Fields.State; } }

    /// <summary>Gets or sets what the pipeline calls at points where <see cref="State"/> and the collection agree, to persist them.</summary>
    /// <value>
    /// The callback; <see langword="null"/> for none. The default value is <see langword="null"/>. It is called every
    /// <see cref="CheckpointInterval"/> chunks written or deleted, at the end of a run, and when a run stops early
    /// (cancelled or failed), each time only when the state changed; no write reaches the collection while it runs.
    /// An exception from it stops the run and is thrown to its caller.
    /// </value>
    public Func<CancellationToken, Task>? Checkpoint { get; set { field = value; _set |= Fields.Checkpoint; } }

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
            _set |= Fields.CheckpointInterval;
        }
    } = 512;

    /// <summary>Gets or sets a value indicating whether documents that are no longer in the source are deleted from the store.</summary>
    /// <value>
    /// <see langword="true"/> to delete them when the source was read to its end. Documents of an item that failed to
    /// read are never deleted. The default value is <see langword="true"/>.
    /// </value>
    public bool RemoveMissingDocuments { get; set { field = value; _set |= Fields.RemoveMissingDocuments; } } = true;

    /// <summary>Gets or sets where progress is reported after each document.</summary>
    /// <value>The progress sink; <see langword="null"/> for none. The default value is <see langword="null"/>.</value>
    public IProgress<IngestionProgress>? Progress { get; set { field = value; _set |= Fields.Progress; } }

    /// <summary>
    /// Merges these options, given to one call, over the configured defaults: each property this instance set (its setter
    /// ran, or for <see cref="Transforms"/>, the list was changed) takes this instance's value; every other property
    /// keeps the value of <paramref name="defaults"/>.
    /// </summary>
    /// <param name="defaults">The configured defaults.</param>
    /// <returns>A new instance; neither this one nor <paramref name="defaults"/> is changed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="defaults"/> is <see langword="null"/>.</exception>
    /// <remarks>A property counts as set once its setter has run, even with the value the default already had.</remarks>
    public IngestionOptions WithDefaults(IngestionOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        IngestionOptions merged = defaults.Clone();
        Fields set = _set;
        if ((set & Fields.EmbeddingBatchSize) != 0)
        {
            merged.EmbeddingBatchSize = EmbeddingBatchSize;
        }

        if ((set & Fields.EmbeddingBatchTokens) != 0)
        {
            merged.EmbeddingBatchTokens = EmbeddingBatchTokens;
        }

        if ((set & Fields.MaxDegreeOfParallelism) != 0)
        {
            merged.MaxDegreeOfParallelism = MaxDegreeOfParallelism;
        }

        if ((set & Fields.MaxChunkTokens) != 0)
        {
            merged.MaxChunkTokens = MaxChunkTokens;
        }

        if ((set & Fields.MaxDocumentBytes) != 0)
        {
            merged.MaxDocumentBytes = MaxDocumentBytes;
        }

        if ((set & Fields.Transforms) != 0)
        {
            merged.Transforms.Clear();
            foreach (IDocumentTransform transform in Transforms)
            {
                merged.Transforms.Add(transform);
            }
        }

        if ((set & Fields.State) != 0)
        {
            merged.State = State;
        }

        if ((set & Fields.Checkpoint) != 0)
        {
            merged.Checkpoint = Checkpoint;
        }

        if ((set & Fields.CheckpointInterval) != 0)
        {
            merged.CheckpointInterval = CheckpointInterval;
        }

        if ((set & Fields.RemoveMissingDocuments) != 0)
        {
            merged.RemoveMissingDocuments = RemoveMissingDocuments;
        }

        if ((set & Fields.Progress) != 0)
        {
            merged.Progress = Progress;
        }

        merged._set = defaults._set | set;
        return merged;
    }

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

        clone._set = _set;
        return clone;
    }

    /// <summary>The transform list, which records that it was changed.</summary>
    private sealed class TransformList(IngestionOptions owner) : System.Collections.ObjectModel.Collection<IDocumentTransform>
    {
        protected override void InsertItem(int index, IDocumentTransform item)
        {
            ArgumentNullException.ThrowIfNull(item);
            base.InsertItem(index, item);
            owner._set |= Fields.Transforms;
        }

        protected override void SetItem(int index, IDocumentTransform item)
        {
            ArgumentNullException.ThrowIfNull(item);
            base.SetItem(index, item);
            owner._set |= Fields.Transforms;
        }

        protected override void RemoveItem(int index)
        {
            base.RemoveItem(index);
            owner._set |= Fields.Transforms;
        }

        protected override void ClearItems()
        {
            base.ClearItems();
            owner._set |= Fields.Transforms;
        }
    }
}
