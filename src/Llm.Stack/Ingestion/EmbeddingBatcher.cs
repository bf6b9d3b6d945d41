using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Groups the chunks of a document that need an embedding into batches bounded by count and by tokens, embeds them
/// with bounded parallelism, and hands each embedded batch on as soon as it is done.
/// </summary>
internal sealed class EmbeddingBatcher(IEmbeddingGenerator<string, Embedding<float>> generator)
{
    /// <summary>Embeds every chunk whose vector is still missing; <paramref name="onBatch"/> receives the indexes of each batch once its vectors are set.</summary>
    /// <returns>The number of embeddings generated.</returns>
    public async Task<int> EmbedAsync(
        IReadOnlyList<DocumentChunk> chunks,
        ReadOnlyMemory<float>?[] vectors,
        IngestionOptions options,
        SemaphoreSlim gate,
        Func<IReadOnlyList<int>, Task> onBatch,
        CancellationToken cancellationToken)
    {
        List<List<int>> batches = Plan(chunks, vectors, options);
        await Task.WhenAll(batches.Select(async batch =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestEmbedSpanName);
                activity?.SetTag(TelemetryTags.BatchSize, batch.Count);
                GeneratedEmbeddings<Embedding<float>> embeddings = await generator
                    .GenerateAsync(batch.Select(i => chunks[i].Text), cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                if (embeddings.Count != batch.Count)
                {
                    throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {batch.Count} inputs.");
                }

                for (int k = 0; k < batch.Count; k++)
                {
                    vectors[batch[k]] = embeddings[k].Vector;
                }
            }
            finally
            {
                gate.Release();
            }

            await onBatch(batch).ConfigureAwait(false);
        })).ConfigureAwait(false);
        return batches.Sum(b => b.Count);
    }

    private static List<List<int>> Plan(IReadOnlyList<DocumentChunk> chunks, ReadOnlyMemory<float>?[] vectors, IngestionOptions options)
    {
        var batches = new List<List<int>>();
        List<int>? current = null;
        int tokens = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            if (vectors[i] is not null)
            {
                continue;
            }

            int chunkTokens = chunks[i].TokenCount;
            if (current is null || current.Count >= options.EmbeddingBatchSize || tokens + chunkTokens > options.EmbeddingBatchTokens)
            {
                current = [];
                tokens = 0;
                batches.Add(current);
            }

            current.Add(i);
            tokens += chunkTokens;
        }

        return batches;
    }
}
