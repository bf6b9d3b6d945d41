using System.Diagnostics;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// The one place where an ingestion run changes the collection and the <see cref="IngestionState"/>. Each change of
/// the store goes with its change of the state under one lock, in an order that keeps the state's invariant (see
/// <see cref="DocumentState"/>), so that a checkpoint taken under the same lock always sees the two agree.
/// Checkpoints are taken every <see cref="IngestionOptions.CheckpointInterval"/> chunks written or deleted, and at
/// the end of the run.
/// </summary>
internal sealed class ChunkStoreWriter : IDisposable
{
    private const int UpsertBatchSize = 256;
    private const int DeleteBatchSize = 1024;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Func<CancellationToken, Task>? _checkpoint;
    private readonly int _interval;
    private long _checkpointedChanges;
    private int _sinceCheckpoint;

    public ChunkStoreWriter(VectorStoreCollection<string, ChunkRecord> collection, IngestionState state, IngestionOptions options)
    {
        Collection = collection;
        State = state;
        _checkpoint = options.Checkpoint;
        _interval = options.CheckpointInterval;
        _checkpointedChanges = state.Changes;
    }

    public VectorStoreCollection<string, ChunkRecord> Collection { get; }

    public IngestionState State { get; }

    /// <summary>Gets a value indicating whether a checkpoint failed; the run stops and no further checkpoint is tried.</summary>
    public bool CheckpointFailed { get; private set; }

    /// <summary>Records a version as pending before any of its chunks is written; deletes what an abandoned pending version left.</summary>
    public async Task BeginAsync(string documentId, DocumentState? previous, DocumentState pending, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (previous?.PendingKeys is not null && previous.PendingHash != pending.PendingHash)
            {
                await DeleteAsync(previous.PendingKeys.Except(previous.Keys), cancellationToken).ConfigureAwait(false);
            }

            State.Set(documentId, pending);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes chunks of a pending version.</summary>
    public async Task UpsertAsync(IReadOnlyList<ChunkRecord> records, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using (LlmStackTelemetry.Start(LlmStackTelemetry.IngestUpsertSpanName))
            {
                foreach (ChunkRecord[] batch in records.Chunk(UpsertBatchSize))
                {
                    await Collection.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }

            _sinceCheckpoint += records.Count;
            await CheckpointIfDueAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Commits a version whose chunks are all written: deletes the other chunks the state knows for the document (its
    /// previous version, and what an abandoned version left), then records the version.
    /// </summary>
    public async Task CommitAsync(string documentId, DocumentState committed, ChunkKeySet previousKeys, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int stale = await DeleteAsync(previousKeys.Except(committed.Keys), cancellationToken).ConfigureAwait(false);
            State.Set(documentId, committed);
            _sinceCheckpoint += stale;
            await CheckpointIfDueAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes what a failed version wrote, keeping the previous version.</summary>
    public async Task RollBackAsync(string documentId, DocumentState? previous, ChunkKeySet written, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await DeleteAsync(written.Except(previous?.Keys), cancellationToken).ConfigureAwait(false);
            State.Set(documentId, previous is null || previous.Keys.Count == 0 ? null : new DocumentState
            {
                SourceId = previous.SourceId,
                SourceHash = previous.SourceHash,
                Hash = previous.Hash,
                Version = previous.Version,
                Keys = previous.Keys,
            });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes every chunk of a document and forgets it.</summary>
    public async Task<int> RemoveAsync(string documentId, DocumentState entry, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int deleted = await DeleteAsync(entry.Keys.Union(entry.PendingKeys), cancellationToken).ConfigureAwait(false);
            State.Set(documentId, null);
            _sinceCheckpoint += deleted;
            await CheckpointIfDueAsync(cancellationToken).ConfigureAwait(false);
            return entry.Keys.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records a change of the state alone (such as a new source hash for unchanged text).</summary>
    public async Task SetAsync(string documentId, DocumentState state, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            State.Set(documentId, state);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes a checkpoint when the state changed since the last one.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CheckpointCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task CheckpointIfDueAsync(CancellationToken cancellationToken)
    {
        if (_sinceCheckpoint >= _interval)
        {
            await CheckpointCoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CheckpointCoreAsync(CancellationToken cancellationToken)
    {
        long changes = State.Changes;
        if (_checkpoint is null || CheckpointFailed || changes == _checkpointedChanges)
        {
            _sinceCheckpoint = 0;
            return;
        }

        using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestCheckpointSpanName);
        try
        {
            await _checkpoint(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            CheckpointFailed = true;
            throw;
        }

        _checkpointedChanges = changes;
        _sinceCheckpoint = 0;
    }

    /// <summary>Deletes keys in batches, never holding more than one batch of them; returns how many were deleted.</summary>
    private async Task<int> DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        int deleted = 0;
        Activity? activity = null;
        try
        {
            foreach (string[] batch in keys.Chunk(DeleteBatchSize))
            {
                activity ??= LlmStackTelemetry.Start(LlmStackTelemetry.IngestDeleteSpanName);
                await Collection.DeleteAsync(batch, cancellationToken).ConfigureAwait(false);
                deleted += batch.Length;
            }

            activity?.SetTag(TelemetryTags.ChunkCount, deleted);
            return deleted;
        }
        finally
        {
            activity?.Dispose();
        }
    }
}
