using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Connectors;

/// <summary>
/// Query latency, top 10 by cosine, of an HNSW collection of <see cref="ConnectorStores.RecordCount"/> (100k) × 384 chunk records in each store (in-memory,
/// PostgreSQL + pgvector, Chroma; each store's default HNSW parameters), from this machine. One query per iteration,
/// so the P50 and P95 columns are per-query percentiles over 200 queries (seeded random unit vectors), each with the
/// records materialized. The collection is the one <see cref="ConnectorUpsertBenchmark"/> loaded on the servers, else loaded here.
/// </summary>
/// <remarks>Needs LLMSTACK_POSTGRES and LLMSTACK_CHROMA (eng/start-postgres.sh, eng/start-chroma.sh). Run by hand: <c>--filter *ConnectorQuery*</c>.</remarks>
[Config(typeof(ConnectorJobs.QueryConfig))]
public class ConnectorQueryBenchmark
{
    private VectorStore _store = null!;
    private VectorStoreCollection<string, ChunkRecord> _collection = null!;
    private float[][] _queries = null!;
    private int _next;

    /// <summary>Gets the stores measured: <see cref="ConnectorStores.Selected"/>.</summary>
    public static IEnumerable<string> Stores => ConnectorStores.Selected;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = ConnectorStores.InMemory;

    [GlobalSetup]
    public void Setup()
    {
        _store = ConnectorStores.Create(Store);
        _collection = ConnectorStores.Collection(_store, ConnectorStores.QueryCollection);
        ChunkRecord[] records = ConnectorStores.Records(ConnectorStores.RecordCount);
        bool loaded = _collection.CollectionExistsAsync().GetAwaiter().GetResult()
            && _collection.GetAsync(records[^1].Key).GetAwaiter().GetResult() is not null;
        if (!loaded)
        {
            _collection.EnsureCollectionDeletedAsync().GetAwaiter().GetResult();
            _collection.EnsureCollectionExistsAsync().GetAwaiter().GetResult();
            foreach (ChunkRecord[] batch in records.Chunk(5_000))
            {
                _collection.UpsertAsync(batch).GetAwaiter().GetResult();
            }
        }

        var random = new Random(99);
        _queries = [.. Enumerable.Range(0, 64).Select(_ => ConnectorStores.UnitVector(random))];
    }

    [Benchmark]
    public async Task<int> Top10()
    {
        int found = 0;
        await foreach (VectorSearchResult<ChunkRecord> result in _collection.SearchAsync(new ReadOnlyMemory<float>(_queries[_next++ % _queries.Length]), 10))
        {
            found += result.Record.Text.Length > 0 ? 1 : 0;
        }

        return found == 10 ? found : throw new InvalidOperationException($"{Store} returned {found} results, not 10.");
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();
}
