using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Connectors;

/// <summary>
/// Upsert throughput of <see cref="ConnectorStores.RecordCount"/> (100k) × 384 chunk records into an empty HNSW collection
/// of each store (in-memory, PostgreSQL + pgvector, Chroma), next to the naive path: one record per call (a single
/// <c>INSERT … ON CONFLICT</c> per record for PostgreSQL, one upsert request per record for Chroma), measured on the
/// first 1,000 records. <c>Batched</c> reports the time of the whole load (throughput = records / time); <c>RowByRow</c>
/// the time per record (<c>OperationsPerInvoke</c>). Each iteration starts from a new, empty collection; one iteration
/// each, since a load into a server's HNSW index takes minutes. The batched load is left on the servers for
/// <see cref="ConnectorQueryBenchmark"/>. After each batched load every record is read back by key and compared (text and
/// document id): a missing or different record fails the run, so a completed run is also a load with every record present.
/// </summary>
/// <remarks>Needs LLMSTACK_POSTGRES and LLMSTACK_CHROMA (eng/start-postgres.sh, eng/start-chroma.sh). Run by hand: <c>--filter *ConnectorUpsert*</c>, then <c>*ConnectorQuery*</c>.</remarks>
[Config(typeof(ConnectorJobs.UpsertConfig))]
public class ConnectorUpsertBenchmark
{
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
        _records = ConnectorStores.Records(ConnectorStores.RecordCount);
    }

    [IterationSetup(Target = nameof(Batched))]
    public void NewCollection() => Recreate(_collection);

    [IterationSetup(Target = nameof(RowByRow))]
    public void NewRowByRowCollection() => Recreate(_rowByRow);

    /// <summary>The whole set in one call (the connector batches: binary COPY for PostgreSQL, requests of 1,000 for Chroma).</summary>
    [Benchmark]
    public Task Batched() => _collection.UpsertAsync(_records);

    /// <summary>Reads every record of the batched load back by key (1,000 per call) and fails the run when one is missing or differs.</summary>
    [IterationCleanup(Target = nameof(Batched))]
    public void VerifyEveryRecordPresent()
    {
        int present = 0;
        foreach (ChunkRecord[] batch in _records.Chunk(1_000))
        {
            Dictionary<string, ChunkRecord> expected = batch.ToDictionary(r => r.Key, StringComparer.Ordinal);
            foreach (ChunkRecord stored in _collection.GetAsync(expected.Keys).ToListAsync().AsTask().GetAwaiter().GetResult())
            {
                present += expected.TryGetValue(stored.Key, out ChunkRecord? record) && record.Text == stored.Text && record.DocumentId == stored.DocumentId ? 1 : 0;
            }
        }

        if (present != _records.Length)
        {
            throw new InvalidOperationException($"{Store}: {present} of {_records.Length} records are present and equal after the batched load.");
        }

        Console.WriteLine($"// {Store}: all {present} records present and equal after the batched load.");
    }

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
