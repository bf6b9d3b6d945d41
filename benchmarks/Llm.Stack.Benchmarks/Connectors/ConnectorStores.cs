using Llm.Stack.Chroma;
using Llm.Stack.Postgres;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Benchmarks.Connectors;

/// <summary>
/// The stores of the connector benchmarks and their data: <see cref="RecordCount"/> (100k) chunk records of 384 dimensions (seeded random unit
/// vectors, MiniLM's width), as the ingestion pipeline writes them (<see cref="ChunkRecord"/>, HNSW, cosine).
/// </summary>
/// <remarks>
/// The servers are the ones named by <c>LLMSTACK_POSTGRES</c> (eng/start-postgres.sh) and <c>LLMSTACK_CHROMA</c>
/// (eng/start-chroma.sh), on this machine; the in-memory store runs in the benchmark's process.
/// </remarks>
internal static class ConnectorStores
{
    public const int Dimensions = 384;

    public const string InMemory = "inmemory";

    public const string Postgres = "postgres";

    public const string Chroma = "chroma";

    /// <summary>
    /// Gets how many records the benchmarks load: <c>LLMSTACK_BENCH_RECORDS</c>, else 100,000. A smaller count keeps a run
    /// within the exclusive benchmark lock where a server's HNSW inserts are slow (say which count a recorded run used).
    /// </summary>
    public static int RecordCount =>
        int.TryParse(Environment.GetEnvironmentVariable("LLMSTACK_BENCH_RECORDS"), System.Globalization.CultureInfo.InvariantCulture, out int count) && count > 0 ? count : 100_000;

    /// <summary>The collection the upsert benchmark loads and the query benchmark searches.</summary>
    public const string QueryCollection = "bench_query";

    /// <summary>
    /// Gets the stores a run measures: those named, comma-separated, by <c>LLMSTACK_BENCH_STORES</c> (so that each server
    /// can be measured in a run of its own, kept short), else all three.
    /// </summary>
    public static IReadOnlyList<string> Selected =>
        Environment.GetEnvironmentVariable("LLMSTACK_BENCH_STORES") is { Length: > 0 } names
            ? [.. names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : [InMemory, Postgres, Chroma];

    public static VectorStore Create(string store) => store switch
    {
        InMemory => new InMemoryVectorStore(new InMemoryVectorStoreOptions { IndexKind = IndexKind.Hnsw }),
        Postgres => new PostgresVectorStore(Environment.GetEnvironmentVariable("LLMSTACK_POSTGRES")
            ?? throw new InvalidOperationException("Set LLMSTACK_POSTGRES: eval \"$(eng/start-postgres.sh)\".")),
        Chroma => new ChromaVectorStore(new Uri(Environment.GetEnvironmentVariable("LLMSTACK_CHROMA")
            ?? throw new InvalidOperationException("Set LLMSTACK_CHROMA: eval \"$(eng/start-chroma.sh)\"."))),
        _ => throw new ArgumentOutOfRangeException(nameof(store)),
    };

    public static VectorStoreCollection<string, ChunkRecord> Collection(VectorStore store, string name)
        => store.GetCollection<string, ChunkRecord>(name, ChunkRecord.CreateDefinition(Dimensions));

    /// <summary>Seeded records: random unit vectors, short texts, 20 chunks per document.</summary>
    public static ChunkRecord[] Records(int count, int seed = 17)
    {
        var random = new Random(seed);
        var records = new ChunkRecord[count];
        for (int i = 0; i < count; i++)
        {
            records[i] = new ChunkRecord
            {
                Key = $"doc{i / 20:D6}#{i % 20}",
                DocumentId = $"doc{i / 20:D6}",
                DocumentVersion = 1,
                Text = $"chunk {i % 20} of document {i / 20} about topic {i % 97}",
                Embedding = UnitVector(random),
            };
        }

        return records;
    }

    public static float[] UnitVector(Random random)
    {
        float[] v = new float[Dimensions];
        double norm = 0;
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
            norm += v[i] * v[i];
        }

        float scale = (float)(1 / Math.Sqrt(norm));
        for (int i = 0; i < v.Length; i++)
        {
            v[i] *= scale;
        }

        return v;
    }
}
