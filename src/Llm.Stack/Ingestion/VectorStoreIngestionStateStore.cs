using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// Keeps an <see cref="IngestionState"/> in a collection of any Microsoft.Extensions.VectorData
/// <see cref="VectorStore"/> (such as a Chroma or PostgreSQL server), beside the chunks: one record per document
/// (its id, source item, content hashes, version and chunk key ranges), the embedder of the chunks (model id and
/// dimensions) and a writer lease. Several processes, on one
/// machine or several, that ingest into one server through it agree on what is indexed, and a run that was killed is
/// resumed from the server's state by the next one, wherever it runs.
/// </summary>
/// <remarks>
/// <para>
/// Saving writes only the documents whose record changed since the last load or save, and deletes those gone. The
/// records of one save are not written atomically: a crash within a save leaves some documents at their previous
/// checkpoint, which the next run detects and repairs as for any interrupted run (<c>LocalIndex</c> compares the state
/// with the chunks the store holds when it opens).
/// </para>
/// <para>
/// The writer lease: when the store has server-side locks (<see cref="IVectorStoreLockProvider"/> from its
/// <c>GetService</c>, as PostgreSQL's advisory locks), the lease is such a lock, and the server guarantees that one
/// writer at a time holds it, whatever the machines' clocks; the server releases it when its holder's connection ends
/// (a killed process), so the next writer goes on at once. A server restart also releases it, while a writer that was
/// holding it may go on writing: restart the runs after restarting the server. A record naming the holder is written
/// beside it for the message of those who wait.
/// </para>
/// <para>
/// Without server locks (Chroma, which has no lock and no conditional update or delete, and the in-memory store) the
/// lease is a record naming its holder and when it ends. It is renewed while held (every third of <see cref="LeaseDuration"/>) and deleted
/// when released, so that a waiting writer goes on at once. A lease whose holder stopped without releasing it (a killed
/// process) ends after <see cref="LeaseDuration"/>; one held by a process of this machine that no longer runs is taken
/// over at once. Taking a lease writes it, waits briefly and reads it back: with no compare-and-swap, two writers that
/// start within that moment could both go on. Their writes then still converge (a version's chunk keys derive from the
/// document's id and content hash), and the next open repairs any disagreement between state and chunks. This lease
/// relies on the clocks of the machines agreeing within a few seconds.
/// </para>
/// <para>Thread-safe. Disposing it does not dispose the store.</para>
/// </remarks>
public sealed class VectorStoreIngestionStateStore : IngestionStateStore, IDisposable
{
    private const int PageSize = 1000;
    private const int UpsertBatchSize = 256;
    private const int DeleteBatchSize = 1024;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly VectorStoreCollection<string, IngestionStateRecord> _collection;
    private readonly IVectorStoreLockProvider? _locks;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private Dictionary<string, string>? _saved;
    private bool _exists;

    /// <summary>Initializes a new instance of the <see cref="VectorStoreIngestionStateStore"/> class.</summary>
    /// <param name="store">The store that keeps the state collection; not disposed by this instance.</param>
    /// <param name="collectionName">The name of the state collection, such as <c>documents_state</c> beside a chunk collection <c>documents</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="collectionName"/> is empty or white space.</exception>
    public VectorStoreIngestionStateStore(VectorStore store, string collectionName)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(collectionName);
        CollectionName = collectionName;
        _collection = store.GetCollection<string, IngestionStateRecord>(collectionName, IngestionStateRecord.Definition);
        _locks = store.GetService(typeof(IVectorStoreLockProvider)) as IVectorStoreLockProvider;
    }

    /// <summary>Gets the name of the state collection.</summary>
    public string CollectionName { get; }

    /// <summary>Gets or sets how long a writer lease lasts unless its holder renews it.</summary>
    /// <value>
    /// How long other writers wait after a holder stopped without releasing the lease on another machine. The default
    /// value is 30 seconds; at least 1 second.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1 second.</exception>
    public TimeSpan LeaseDuration
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1));
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override async Task<IngestionState> LoadAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Dictionary<string, string> saved = await ReadSavedAsync(cancellationToken).ConfigureAwait(false);
            var state = new IngestionState();
            foreach ((string id, string json) in saved)
            {
                state.Set(id, Parse(id, json));
            }

            _saved = saved;
            return state;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override async Task SaveAsync(IngestionState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Dictionary<string, string> saved = _saved ?? await ReadSavedAsync(cancellationToken).ConfigureAwait(false);
            var current = new Dictionary<string, string>(StringComparer.Ordinal);
            var changed = new List<IngestionStateRecord>();
            foreach ((string id, DocumentState document) in state.Snapshot())
            {
                string json = JsonSerializer.Serialize(document, IngestionStateRecordJsonContext.Default.DocumentState);
                current[id] = json;
                if (!saved.TryGetValue(id, out string? previous) || previous != json)
                {
                    changed.Add(new IngestionStateRecord { Key = IngestionStateRecord.DocumentKeyPrefix + id, Kind = IngestionStateRecord.DocumentKind, Value = json });
                }
            }

            await EnsureExistsAsync(cancellationToken).ConfigureAwait(false);
            foreach (IngestionStateRecord[] batch in changed.Chunk(UpsertBatchSize))
            {
                await _collection.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            foreach (string[] batch in saved.Keys.Where(id => !current.ContainsKey(id)).Select(id => IngestionStateRecord.DocumentKeyPrefix + id).Chunk(DeleteBatchSize))
            {
                await _collection.DeleteAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            _saved = current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The embedder record in the store is damaged.</exception>
    public override async Task<EmbeddingGeneratorMetadata?> LoadEmbedderAsync(CancellationToken cancellationToken = default)
    {
        if (!await _collection.CollectionExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        IngestionStateRecord? record = await _collection.GetAsync(IngestionStateRecord.EmbedderKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        IngestionEmbedderValue? value;
        try
        {
            value = JsonSerializer.Deserialize(record.Value, IngestionStateRecordJsonContext.Default.IngestionEmbedderValue);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The embedder recorded in '{CollectionName}' is damaged: {e.Message}", e);
        }

        return value is { ModelId.Length: > 0, Dimensions: > 0 }
            ? new EmbeddingGeneratorMetadata(null, null, value.ModelId, value.Dimensions)
            : throw new InvalidDataException($"The embedder recorded in '{CollectionName}' is damaged: it names no model or no dimensions.");
    }

    /// <inheritdoc />
    public override async Task SaveEmbedderAsync(EmbeddingGeneratorMetadata embedder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        if (string.IsNullOrWhiteSpace(embedder.DefaultModelId) || embedder.DefaultModelDimensions is not > 0)
        {
            throw new ArgumentException("The embedder must have a model id and positive dimensions.", nameof(embedder));
        }

        string json = JsonSerializer.Serialize(
            new IngestionEmbedderValue { ModelId = embedder.DefaultModelId, Dimensions = embedder.DefaultModelDimensions.Value },
            IngestionStateRecordJsonContext.Default.IngestionEmbedderValue);
        await EnsureExistsAsync(cancellationToken).ConfigureAwait(false);
        await _collection.UpsertAsync(
            new IngestionStateRecord { Key = IngestionStateRecord.EmbedderKey, Kind = IngestionStateRecord.EmbedderKind, Value = json }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task<IAsyncDisposable> AcquireWriterAsync(TimeSpan timeout, Action<string>? waiting = null, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must not be negative (except Timeout.InfiniteTimeSpan).");
        }

        await EnsureExistsAsync(cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            IngestionLeaseValue? holder;
            if (_locks is not null)
            {
                // The server's lock excludes every other writer; the lease record only names the holder to those who wait.
                IAsyncDisposable? held = await _locks.TryAcquireAsync(CollectionName, cancellationToken).ConfigureAwait(false);
                if (held is not null)
                {
                    try
                    {
                        await WriteLeaseAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await held.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }

                    return new Lease(this, held);
                }

                holder = await ReadLeaseAsync(cancellationToken).ConfigureAwait(false);
            }
            else if ((holder = await ReadLeaseAsync(cancellationToken).ConfigureAwait(false)) is null || holder.Owner == _owner || IsOver(holder))
            {
                await WriteLeaseAsync(cancellationToken).ConfigureAwait(false);
                // No compare-and-swap: another writer may have written its lease at the same moment; the last write wins.
                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
                holder = await ReadLeaseAsync(cancellationToken).ConfigureAwait(false);
                if (holder?.Owner == _owner)
                {
                    return new Lease(this, null);
                }
            }

            if (timeout != Timeout.InfiniteTimeSpan && clock.Elapsed >= timeout)
            {
                throw new TimeoutException(
                    $"Another process ({holder?.Host ?? "unknown host"}, process {holder?.ProcessId}) is ingesting into the store (it holds the writer lease of '{CollectionName}'); waited {clock.Elapsed.TotalSeconds:0.#} s. Run again when it has finished.");
            }

            if (!told)
            {
                told = true;
                waiting?.Invoke($"Another process ({holder?.Host}, process {holder?.ProcessId}) is ingesting into the store; waiting for it to finish (Ctrl-C to stop).");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private static DocumentState Parse(string id, string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, IngestionStateRecordJsonContext.Default.DocumentState)
                ?? throw new InvalidDataException($"The ingestion state of '{id}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The ingestion state of '{id}' in the store is damaged: {e.Message}", e);
        }
    }

    /// <summary>Whether a lease ended: its time is over, or its holder was a process of this machine that no longer runs.</summary>
    private static bool IsOver(IngestionLeaseValue lease)
    {
        if (lease.ExpiresAt <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
        {
            return true;
        }

        if (lease.Host != Environment.MachineName || lease.ProcessId == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(lease.ProcessId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private async Task EnsureExistsAsync(CancellationToken cancellationToken)
    {
        if (!_exists)
        {
            await _collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
            _exists = true;
        }
    }

    /// <summary>Every document record, as document id → JSON; pages in key order where the store can order, else in its own.</summary>
    private async Task<Dictionary<string, string>> ReadSavedAsync(CancellationToken cancellationToken)
    {
        var saved = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!await _collection.CollectionExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return saved;
        }

        _exists = true;
        bool ordered = true;
        for (int skip = 0; ; skip += PageSize)
        {
            var options = new FilteredRecordRetrievalOptions<IngestionStateRecord> { Skip = skip };
            if (ordered)
            {
                options.OrderBy = o => o.Ascending(r => r.Key);
            }

            List<IngestionStateRecord> page;
            try
            {
                page = await _collection.GetAsync(r => r.Kind == IngestionStateRecord.DocumentKind, PageSize, options, cancellationToken)
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NotSupportedException) when (ordered && skip == 0)
            {
                // A store that cannot order (Chroma) pages in its own stable order.
                ordered = false;
                skip -= PageSize;
                continue;
            }

            foreach (IngestionStateRecord record in page)
            {
                if (record.Key.StartsWith(IngestionStateRecord.DocumentKeyPrefix, StringComparison.Ordinal))
                {
                    saved[record.Key[IngestionStateRecord.DocumentKeyPrefix.Length..]] = record.Value;
                }
            }

            if (page.Count < PageSize)
            {
                return saved;
            }
        }
    }

    private async Task<IngestionLeaseValue?> ReadLeaseAsync(CancellationToken cancellationToken)
    {
        IngestionStateRecord? record = await _collection.GetAsync(IngestionStateRecord.LeaseKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(record.Value, IngestionStateRecordJsonContext.Default.IngestionLeaseValue);
        }
        catch (JsonException)
        {
            // A damaged lease record holds nothing: the next write replaces it.
            return null;
        }
    }

    private Task WriteLeaseAsync(CancellationToken cancellationToken)
    {
        var lease = new IngestionLeaseValue
        {
            Owner = _owner,
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            ExpiresAt = DateTimeOffset.UtcNow.Add(LeaseDuration).ToUnixTimeMilliseconds(),
        };
        string json = JsonSerializer.Serialize(lease, IngestionStateRecordJsonContext.Default.IngestionLeaseValue);
        return _collection.UpsertAsync(new IngestionStateRecord { Key = IngestionStateRecord.LeaseKey, Kind = IngestionStateRecord.LeaseKind, Value = json }, cancellationToken);
    }

    /// <summary>
    /// A held lease: with a server lock, the lock (the record only names the holder); else the record, renewed in the
    /// background until disposed. Its record is deleted when still this writer's.
    /// </summary>
    private sealed class Lease : IAsyncDisposable
    {
        private readonly VectorStoreIngestionStateStore _store;
        private readonly IAsyncDisposable? _lock;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;
        private int _disposed;

        public Lease(VectorStoreIngestionStateStore store, IAsyncDisposable? serverLock)
        {
            _store = store;
            _lock = serverLock;
            _renewal = serverLock is null ? RenewAsync() : Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewal.ConfigureAwait(false);
            _stop.Dispose();
            try
            {
                if ((await _store.ReadLeaseAsync(CancellationToken.None).ConfigureAwait(false))?.Owner == _store._owner)
                {
                    await _store._collection.DeleteAsync(IngestionStateRecord.LeaseKey, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (VectorStoreException)
            {
                // The server is unreachable: the lease ends by itself after LeaseDuration.
            }
            finally
            {
                if (_lock is not null)
                {
                    await _lock.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        private async Task RenewAsync()
        {
            TimeSpan interval = _store.LeaseDuration / 3;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                    await _store.WriteLeaseAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (VectorStoreException)
                {
                    // The server is briefly unreachable: the run's own writes fail and report it; try again next time.
                }
            }
        }
    }
}
