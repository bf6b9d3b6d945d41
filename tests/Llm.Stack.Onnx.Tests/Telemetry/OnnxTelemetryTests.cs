using System.Diagnostics;
using System.Diagnostics.Metrics;
using Llm.Stack.Onnx;
using Llm.Stack.Onnx.Tests.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Onnx.Tests.Telemetry;

[Collection(MiniLmTestGroup.Name)]
public sealed class OnnxTelemetryTests(MiniLmFixture fixture)
{
    private const string Secret = "zebra quartz telemetry secret";

    [Fact]
    public async Task An_embedding_call_emits_a_GenAI_span_one_inference_span_per_batch_and_the_GenAI_metrics()
    {
        string modelId = "telemetry-" + Guid.NewGuid().ToString("N");
        using var generator = new OnnxEmbeddingGenerator(fixture.Folder, new OnnxEmbeddingGeneratorOptions { ModelId = modelId, BatchSize = 2 });
        var spans = new List<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OnnxTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(TelemetryTags.RequestModel), modelId))
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == OnnxTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Dictionary<string, object?> map = new(tags.ToArray());
            if (Equals(map.GetValueOrDefault(TelemetryTags.RequestModel), modelId))
            {
                lock (measurements)
                {
                    measurements.Add((instrument.Name, value, map));
                }
            }
        }

        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        meterListener.Start();

        GeneratedEmbeddings<Embedding<float>> result = await generator.GenerateAsync(["one", "two words", Secret, "four"]);

        Activity embeddings = Assert.Single(spans, s => s.OperationName == $"embeddings {modelId}");
        Assert.Equal(TelemetryTags.EmbeddingsOperation, embeddings.GetTagItem(TelemetryTags.OperationName));
        Assert.Equal("onnxruntime", embeddings.GetTagItem(TelemetryTags.ProviderName));
        Assert.Equal(384, embeddings.GetTagItem(TelemetryTags.EmbeddingDimensions));
        Assert.Equal(result.Usage!.InputTokenCount, embeddings.GetTagItem(TelemetryTags.InputTokens));
        List<Activity> batches = spans.Where(s => s.OperationName == OnnxTelemetry.InferenceSpanName).ToList();
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Same(embeddings, b.Parent));
        Assert.Equal([2, 2], batches.Select(b => (int)b.GetTagItem(TelemetryTags.BatchSize)!));
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), tag => tag.Value is string text && text.Contains("zebra", StringComparison.Ordinal));

        var duration = Assert.Single(measurements, m => m.Instrument == OnnxTelemetry.OperationDurationName);
        Assert.InRange(duration.Value, 0, embeddings.Duration.TotalSeconds + 1);
        Assert.Equal(TelemetryTags.EmbeddingsOperation, duration.Tags[TelemetryTags.OperationName]);
        var tokens = Assert.Single(measurements, m => m.Instrument == OnnxTelemetry.TokenUsageName);
        Assert.Equal(result.Usage.InputTokenCount, (long)tokens.Value);
        Assert.Equal(TelemetryTags.InputTokenType, tokens.Tags[TelemetryTags.TokenType]);
    }

    [Fact]
    public async Task Logs_the_load_and_each_call_with_counts_and_never_the_input_text()
    {
        using var logger = new ListLoggerFactory();
        using (var generator = new OnnxEmbeddingGenerator(fixture.Folder, new OnnxEmbeddingGeneratorOptions { LoggerFactory = logger }))
        {
            await generator.GenerateAsync([Secret, "second input"]);
        }

        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Information && m.Text.Contains("embedding model", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Debug && m.Text.StartsWith("Embedded 2 input(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Messages, m => m.Text.Contains("zebra", StringComparison.Ordinal));
    }
}
