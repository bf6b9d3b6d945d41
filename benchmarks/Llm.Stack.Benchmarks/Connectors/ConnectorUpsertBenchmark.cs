using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Connectors;

/// <summary>
/// Upsert throughput of 100k × 384 chunk records into an empty HNSW collection of each store (in-memory, PostgreSQL +
/// pgvector, Chroma), next to the naive path: one record per call (a single <c>INSERT … ON CONFLICT</c> per record for
/// PostgreSQL, one upsert request per record for Chroma), measured on the first 1,000 records. Times are per record
/// (<c>OperationsPerInvoke</c>); each iteration starts from a new, empty collection. One iteration each: a load of 100k
/// into a server's HNSW index takes minutes. The batched load is left on the servers for <see cref="ConnectorQueryBenchmark"/>.
/// </summary>
/// <remarks>Needs LLMSTACK_POSTGRES and LLMSTACK_CHROMA (eng/start-postgres.sh, eng/start-chroma.sh). Run by hand: <c>--filter *ConnectorUpsert*</c>, then <c>*ConnectorQuery*</c>.</remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class ConnectorUpsertBenchmark
{
    private const int Count = 100_000;
    private const int NaiveCount = 1_000;
    private VectorStoreCollection<string, ChunkRecord> _rowByRow = null!;

    private VectorStore _store = null!;
    private VectorStoreCollection<string, ChunkRecord> _collection = null!;
    private ChunkRecord[] _records = null!;

    /// <summary>Gets the stores measured: <see cref="ConnectorStores.Selected"/>.</summary>
    public static IEnumerable<string> Stores => ConnectorStores.Selected;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = ConnectorStores.InMemory;

    [GlobalSetup]
    public void Setup()
    {
        _store = ConnectorStores.Create(Store);
        _collection = ConnectorStores.Collection(_store, ConnectorStores.QueryCollection);
        _rowByRow = ConnectorStores.Collection(_store, "bench_row_by_row");
        _records = ConnectorStores.Records(Count);
    }

    [IterationSetup(Target = nameof(Batched))]
    public void NewCollection() => Recreate(_collection);

    [IterationSetup(Target = nameof(RowByRow))]
    public void NewRowByRowCollection() => Recreate(_rowByRow);

    /// <summary>The whole set in one call (the connector batches: binary COPY for PostgreSQL, requests of 1,000 for Chroma).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public Task Batched() => _collection.UpsertAsync(_records);

    /// <summary>The naive path: one record per call.</summary>
    [Benchmark(OperationsPerInvoke = NaiveCount)]
    public async Task RowByRow()
    {
        for (int i = 0; i < NaiveCount; i++)
        {
            await _rowByRow.UpsertAsync(_records[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rowByRow.EnsureCollectionDeletedAsync().GetAwaiter().GetResult();
        _store.Dispose();
    }

    private static void Recreate(VectorStoreCollection<string, ChunkRecord> collection)
    {
        collection.EnsureCollectionDeletedAsync().GetAwaiter().GetResult();
        collection.EnsureCollectionExistsAsync().GetAwaiter().GetResult();
    }
}
