using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>
/// Wraps a real collection: logs every write ("upsert k1,k2" / "delete k3") and can fail (like a crash) on the
/// N-th upsert call or on any write matching a predicate.
/// </summary>
internal sealed class RecordingCollection(VectorStoreCollection<string, ChunkRecord> inner) : VectorStoreCollection<string, ChunkRecord>
{
    private int _upserts;

    public List<string> Log { get; } = [];

    /// <summary>The 1-based upsert call from which every upsert throws; 0 for never.</summary>
    public int FailFromUpsert { get; set; }

    /// <summary>Called with the 1-based number of each upsert call before it is made; throw from it to fail the call.</summary>
    public Action<int>? OnUpsert { get; set; }

    public override string Name => inner.Name;

    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => inner.CollectionExistsAsync(cancellationToken);

    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => inner.EnsureCollectionExistsAsync(cancellationToken);

    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) => inner.EnsureCollectionDeletedAsync(cancellationToken);

    public override Task<ChunkRecord?> GetAsync(string key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.GetAsync(key, options, cancellationToken);

    public override IAsyncEnumerable<ChunkRecord> GetAsync(IEnumerable<string> keys, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.GetAsync(keys, options, cancellationToken);

    public override IAsyncEnumerable<ChunkRecord> GetAsync(Expression<Func<ChunkRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<ChunkRecord>? options = null, CancellationToken cancellationToken = default) =>
        inner.GetAsync(filter, top, options, cancellationToken);

    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    public override Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        List<string> list = [.. keys];
        lock (Log)
        {
            Log.Add("delete " + string.Join(',', list));
        }

        return inner.DeleteAsync(list, cancellationToken);
    }

    public override Task UpsertAsync(ChunkRecord record, CancellationToken cancellationToken = default) => UpsertAsync([record], cancellationToken);

    public override Task UpsertAsync(IEnumerable<ChunkRecord> records, CancellationToken cancellationToken = default)
    {
        List<ChunkRecord> list = [.. records];
        int call = Interlocked.Increment(ref _upserts);
        OnUpsert?.Invoke(call);
        if (FailFromUpsert > 0 && call >= FailFromUpsert)
        {
            throw new IOException($"Simulated crash on upsert call {call}.");
        }

        lock (Log)
        {
            Log.Add("upsert " + string.Join(',', list.Select(r => r.Key)));
        }

        return inner.UpsertAsync(list, cancellationToken);
    }

    public override IAsyncEnumerable<VectorSearchResult<ChunkRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<ChunkRecord>? options = null, CancellationToken cancellationToken = default) =>
        inner.SearchAsync(searchValue, top, options, cancellationToken);

    public override object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);
}
