using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Where an <see cref="IngestionState"/> lives between runs, and who may write it: the abstraction that lets several
/// processes (on one machine or several) that ingest into one shared store agree on what is indexed.
/// </summary>
/// <remarks>
/// <para>
/// A run takes the writer lease (<see cref="AcquireWriterAsync"/>), loads the state (<see cref="LoadAsync"/>), passes
/// it to <see cref="IngestionOptions.State"/> and saves it in <see cref="IngestionOptions.Checkpoint"/>
/// (<see cref="SaveAsync"/>); the pipeline calls the checkpoint where the state and the chunk collection agree.
/// </para>
/// <para>
/// Without a state store, <c>LocalIndex</c> keeps the state in a file of its folder (the default), which suits one
/// machine; <see cref="VectorStoreIngestionStateStore"/> keeps it in a collection of the vector store beside the chunks.
/// </para>
/// <para>Implementations are safe to use from several threads.</para>
/// </remarks>
public abstract class IngestionStateStore
{
    /// <summary>Initializes a new instance of the <see cref="IngestionStateStore"/> class.</summary>
    protected IngestionStateStore()
    {
    }

    /// <summary>Reads the state last saved (an empty one when none was).</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The state; later saves write only what changed in it.</returns>
    public abstract Task<IngestionState> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves a state, writing what changed since it was loaded or last saved.</summary>
    /// <param name="state">The state to save.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the store has acknowledged the state.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is <see langword="null"/>.</exception>
    public abstract Task SaveAsync(IngestionState state, CancellationToken cancellationToken = default);

    /// <summary>Reads the embedder recorded with the state: the one whose vectors the chunks hold.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>
    /// The embedder's <see cref="EmbeddingGeneratorMetadata.DefaultModelId"/> and
    /// <see cref="EmbeddingGeneratorMetadata.DefaultModelDimensions"/>; <see langword="null"/> when none was recorded.
    /// </returns>
    public abstract Task<EmbeddingGeneratorMetadata?> LoadEmbedderAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the embedder whose vectors the chunks hold (replacing one recorded before), so that a process configured
    /// with another embedder can refuse to mix its vectors with these.
    /// </summary>
    /// <param name="embedder">The embedder's metadata: its <see cref="EmbeddingGeneratorMetadata.DefaultModelId"/> and <see cref="EmbeddingGeneratorMetadata.DefaultModelDimensions"/> are recorded.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the store has acknowledged the record.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="embedder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="embedder"/> has no model id, or no positive dimensions.</exception>
    public abstract Task SaveEmbedderAsync(EmbeddingGeneratorMetadata embedder, CancellationToken cancellationToken = default);

    /// <summary>Takes the writer lease: one run at a time writes the chunks and the state.</summary>
    /// <param name="timeout">How long to wait for another writer; <see cref="Timeout.InfiniteTimeSpan"/> to wait until it finishes.</param>
    /// <param name="waiting">Told once, with a one-line message, when the call has to wait; <see langword="null"/> for nothing.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The lease; dispose it to let the next writer in.</returns>
    /// <exception cref="TimeoutException">Another writer held the lease for longer than <paramref name="timeout"/>.</exception>
    public abstract Task<IAsyncDisposable> AcquireWriterAsync(TimeSpan timeout, Action<string>? waiting = null, CancellationToken cancellationToken = default);
}
