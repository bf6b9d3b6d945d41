using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Local;

// The writer: one process at a time takes the folder's lock to ingest or save.
public sealed partial class LocalIndex
{
    /// <summary>Gets or sets how long an ingestion waits for another process that is writing the folder.</summary>
    /// <value>
    /// <see cref="Timeout.InfiniteTimeSpan"/> to wait until it finishes; <see cref="TimeSpan.Zero"/> to fail at once with
    /// <see cref="IndexLockedException"/>. The default value is <see cref="LocalDefaultsOptions.WriterLockTimeout"/>.
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
    }

    /// <summary>Gets or sets what is told, once, when an ingestion has to wait for another process writing the folder.</summary>
    /// <value>The callback, given a one-line message; <see langword="null"/> for none. The default value is <see langword="null"/>.</value>
    public Action<string>? WaitingForWriter { get; set; }

    /// <summary>Ingests items into the index incrementally, committing every few chunks and at the end (also when cancelled or failing).</summary>
    /// <param name="pipeline">The ingestion pipeline.</param>
    /// <param name="items">The items; documents ingested before and missing now are removed when the options say so.</param>
    /// <param name="options">
    /// The options of the run, merged over the pipeline's defaults (<see cref="IngestionOptions.WithDefaults"/>); its
    /// state and checkpoint are the index's. <see langword="null"/> for the pipeline's defaults (<c>AddLocalDefaults</c>
    /// makes them process one document at a time, because the local ONNX embedder already spreads one call over every
    /// core: <c>benchmarks/RESULTS.md</c>, ingestion with MiniLM).
    /// </param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One result per document, as each finishes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pipeline"/> or <paramref name="items"/> is <see langword="null"/>.</exception>
    /// <exception cref="IndexLockedException">Another process is writing the folder and <see cref="WriterLockTimeout"/> ran out.</exception>
    /// <exception cref="IOException">A commit failed (full disk, read-only folder); the last committed state is kept.</exception>
    /// <exception cref="EmbedderMismatchException">With the ingestion state in the store: another process recorded another embedder for the collection since this index was opened.</exception>
    public async IAsyncEnumerable<IngestionResult> IngestAsync(
        IngestionPipeline pipeline,
        IAsyncEnumerable<IngestionItem> items,
        IngestionOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(items);
        using WriterLock writer = await WriterLock.AcquireAsync(DataDirectory, WriterLockTimeout, OnWaiting, cancellationToken).ConfigureAwait(false);
        // With the state in the store, the store's writer lease orders writers of every machine (see VectorStoreIngestionStateStore).
        IAsyncDisposable? lease = _stateStore is null ? null : await _stateStore.AcquireWriterAsync(WriterLockTimeout, OnWaiting, cancellationToken).ConfigureAwait(false);
        await using ConfiguredAsyncDisposable leaseScope = (lease ?? NoLease.Instance).ConfigureAwait(false);
        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another process may have committed since this one opened the index (with the state in the store, any
            // process of any machine): continue from its commit.
            if (_collection is null || (_committedChanges >= 0 && (_stateStore is not null || CommittedGeneration() != _generation)))
            {
                await LoadAsync(rebuild: false, cancellationToken).ConfigureAwait(false);
            }

            // Under the lease and before any chunk is written: the store records whose vectors its chunks are, so that a
            // process with another embedder is refused (LoadAsync above) instead of mixing its vectors with these.
            (string modelId, int dimensions) = Embedder;
            if (_stateStore is not null && !_embedderRecorded && dimensions > 0)
            {
                await _stateStore.SaveEmbedderAsync(new EmbeddingGeneratorMetadata(null, null, modelId, dimensions), cancellationToken).ConfigureAwait(false);
                _embedderRecorded = true;
            }
        }
        finally
        {
            _openLock.Release();
        }

        options = options?.Clone() ?? new IngestionOptions();
        options.State = _state;
        options.Checkpoint = ct => CommitAsync(writer, ct);
        await foreach (IngestionResult result in pipeline.IngestAsync(items, Collection, options, cancellationToken).ConfigureAwait(false))
        {
            yield return result;
        }

        // Repairs made on open change the state without any write of the pipeline.
        await CommitAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits the index as it is in memory, when it changed since the last commit.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the commit is on disk.</returns>
    /// <exception cref="InvalidOperationException">The index has not been opened.</exception>
    /// <exception cref="IndexLockedException">Another process is writing the folder and <see cref="WriterLockTimeout"/> ran out.</exception>
    /// <exception cref="IOException">The commit failed (full disk, read-only folder); the last committed state is kept.</exception>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        _ = Collection;
        using WriterLock writer = await WriterLock.AcquireAsync(DataDirectory, WriterLockTimeout, OnWaiting, cancellationToken).ConfigureAwait(false);
        await CommitAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    private void OnWaiting(string message)
    {
        LocalIndexLog.WaitingForWriter(_logger, DataDirectory);
        WaitingForWriter?.Invoke(message);
    }

    /// <summary>The lease of a run whose state lives in the index folder: its writer lock is enough.</summary>
    private sealed class NoLease : IAsyncDisposable
    {
        public static readonly NoLease Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
