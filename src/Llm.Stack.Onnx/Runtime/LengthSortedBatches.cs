using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace Llm.Stack.Onnx;

/// <summary>Runs one batch of inputs through a model.</summary>
/// <param name="rows">The indices of the batch's inputs, longest first.</param>
/// <param name="runOptions">The run options of the call (cancellation sets their terminate flag).</param>
internal delegate void OnnxBatchRunner(ReadOnlySpan<int> rows, RunOptions runOptions);

/// <summary>
/// The batch loop of the BERT-family models (the embedding generator and the cross-encoder): inputs sorted by length,
/// longest first, so that each batch pads to a similar length; cancellation checked before every batch and passed to a
/// batch in progress through ONNX Runtime's terminate flag.
/// </summary>
internal static class LengthSortedBatches
{
    /// <summary>Runs every input once, in batches of at most <paramref name="batchSize"/>.</summary>
    /// <param name="modelId">The model's id, named on each batch's <see cref="OnnxTelemetry.InferenceSpanName"/> span.</param>
    /// <param name="lengths">The length of each input in tokens; results are written by index, so their order is the caller's.</param>
    /// <param name="batchSize">The largest batch.</param>
    /// <param name="runBatch">Runs one batch.</param>
    /// <param name="cancellationToken">Stops the loop before the next batch, and the batch in progress.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static void Run(string modelId, int[] lengths, int batchSize, OnnxBatchRunner runBatch, CancellationToken cancellationToken)
    {
        int[] order = new int[lengths.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Longest first; equal lengths keep input order, so batches are deterministic.
        Array.Sort(order, (a, b) => lengths[b] != lengths[a] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));

        using var runOptions = new RunOptions();
        using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions)
            : default;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, order.Length - start);
            using Activity? activity = OnnxTelemetry.StartInference(modelId, count, lengths[order[start]]);
            try
            {
                runBatch(order.AsSpan(start, count), runOptions);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}
