using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Llm.Stack.VectorIndex;

/// <summary>How a reading store shapes a loaded snapshot and reports what it did.</summary>
/// <param name="UpgradeFlatToHnsw">Whether the <c>Flat</c> columns of a loaded snapshot become HNSW (the store's default index kind is HNSW).</param>
/// <param name="HnswFor">The HNSW parameters of a collection, by name.</param>
/// <param name="MaxDegreeOfParallelism">The cores a graph rebuild may use.</param>
/// <param name="Logger">Where graph rebuilds are reported.</param>
internal sealed record SnapshotReadOptions(bool UpgradeFlatToHnsw, Func<string, HnswParameters> HnswFor, int MaxDegreeOfParallelism, ILogger Logger)
{
    /// <summary>Gets options that keep every column as the snapshot describes it (metadata reads).</summary>
    public static SnapshotReadOptions AsWritten { get; } = new(false, _ => new HnswOptions().ToParameters(), 1, NullLogger.Instance);
}
