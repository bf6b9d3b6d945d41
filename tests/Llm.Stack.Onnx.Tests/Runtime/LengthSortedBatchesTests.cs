using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Runtime;

public sealed class LengthSortedBatchesTests
{
    [Fact]
    public void Runs_every_input_once_in_bounded_batches_longest_first_with_ties_in_input_order()
    {
        int[] lengths = [3, 9, 1, 9, 4, 0, 7];
        var batches = new List<int[]>();

        LengthSortedBatches.Run("test-model", lengths, batchSize: 3, (rows, _) => batches.Add(rows.ToArray()), CancellationToken.None);

        Assert.Equal([[1, 3, 6], [4, 0, 2], [5]], batches);
    }

    [Fact]
    public void Stops_before_the_next_batch_when_canceled()
    {
        using var cts = new CancellationTokenSource();
        int batches = 0;

        Assert.Throws<OperationCanceledException>(() => LengthSortedBatches.Run("test-model", [1, 2, 3, 4], batchSize: 1, (_, _) =>
        {
            batches++;
            cts.Cancel();
        }, cts.Token));

        Assert.Equal(1, batches);
    }

    [Fact]
    public void Both_bert_models_validate_their_session_options_alike()
    {
        OnnxSessionOptions embedder = new OnnxEmbeddingGeneratorOptions();
        OnnxSessionOptions crossEncoder = new OnnxCrossEncoderOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => crossEncoder.DeviceId = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => embedder.IntraOpThreads = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => crossEncoder.ExecutionProvider = (OnnxExecutionProvider)42);
    }
}
