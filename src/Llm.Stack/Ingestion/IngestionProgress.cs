using System.Runtime.InteropServices;

namespace Llm.Stack;

/// <summary>A snapshot of an ingestion run's progress, reported after each document.</summary>
/// <param name="Documents">The number of documents finished (in any status).</param>
/// <param name="FailedDocuments">The number of documents that failed.</param>
/// <param name="Chunks">The number of chunks written.</param>
/// <param name="Embeddings">The number of embeddings generated.</param>
/// <param name="Elapsed">The time since the run started.</param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct IngestionProgress(int Documents, int FailedDocuments, long Chunks, long Embeddings, TimeSpan Elapsed)
{
    /// <summary>Gets the number of embeddings generated per second since the run started.</summary>
    public double EmbeddingsPerSecond => Elapsed > TimeSpan.Zero ? Embeddings / Elapsed.TotalSeconds : 0;
}
