using System.Linq.Expressions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Ingestion;

/// <summary>
/// A collection that keeps nothing: it counts the records written and the size of the largest write, so that a memory
/// benchmark measures the ingestion road and not a store holding every chunk. It returns no record, so nothing is reused.
/// </summary>
internal sealed class DiscardingChunkCollection(string name) : VectorStoreCollection<string, ChunkRecord>
{
    private long _records;
    private long _largestBatchBytes;
    private int _largestBatchCount;

    /// <summary>Gets the number of records written.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Gets the size, in bytes of managed memory, of the largest batch written: its texts (UTF-16) and vectors.</summary>
    public long LargestBatchBytes => Interlocked.Read(ref _largestBatchBytes);

    /// <summary>Gets the number of records of the largest batch written.</summary>
    public int LargestBatchCount => Volatile.Read(ref _largestBatchCount);

    public override string Name => name;

    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);

    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override Task<ChunkRecord?> GetAsync(string key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<ChunkRecord?>(null);

    public override IAsyncEnumerable<ChunkRecord> GetAsync(IEnumerable<string> keys, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<ChunkRecord>();

    public override IAsyncEnumerable<ChunkRecord> GetAsync(Expression<Func<ChunkRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<ChunkRecord>? options = null, CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<ChunkRecord>();

    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override Task UpsertAsync(ChunkRecord record, CancellationToken cancellationToken = default) => UpsertAsync([record], cancellationToken);

    public override Task UpsertAsync(IEnumerable<ChunkRecord> records, CancellationToken cancellationToken = default)
    {
        long bytes = 0;
        int count = 0;
        foreach (ChunkRecord record in records)
        {
            bytes += (2L * record.Text.Length) + (4L * record.Embedding.Length);
            count++;
        }

        Interlocked.Add(ref _records, count);
        lock (this)
        {
            if (bytes > _largestBatchBytes)
            {
                _largestBatchBytes = bytes;
                _largestBatchCount = count;
            }
        }

        return Task.CompletedTask;
    }

    public override IAsyncEnumerable<VectorSearchResult<ChunkRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<ChunkRecord>? options = null, CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<VectorSearchResult<ChunkRecord>>();

    public override object? GetService(Type serviceType, object? serviceKey = null) => null;
}
