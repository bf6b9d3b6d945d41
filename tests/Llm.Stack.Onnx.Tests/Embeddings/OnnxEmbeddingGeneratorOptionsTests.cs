using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Embeddings;

public sealed class OnnxEmbeddingGeneratorOptionsTests
{
    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new OnnxEmbeddingGeneratorOptions();

        Assert.Equal(EmbeddingPooling.Mean, options.Pooling);
        Assert.True(options.Normalize);
        Assert.Null(options.MaxTokens);
        Assert.Equal(32, options.BatchSize);
        Assert.Equal(OnnxExecutionProvider.Cpu, options.ExecutionProvider);
        Assert.Equal(0, options.DeviceId);
        Assert.Equal(0, options.IntraOpThreads);
    }

    [Fact]
    public void Setters_reject_out_of_range_values()
    {
        var options = new OnnxEmbeddingGeneratorOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.BatchSize = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.BatchSize = 4097);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxTokens = 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.DeviceId = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.IntraOpThreads = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Pooling = (EmbeddingPooling)9);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ExecutionProvider = (OnnxExecutionProvider)9);
        Assert.Equal(32, options.BatchSize);
        Assert.Null(options.MaxTokens);
    }
}
