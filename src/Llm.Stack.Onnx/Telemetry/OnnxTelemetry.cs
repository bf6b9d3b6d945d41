using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Llm.Stack.Onnx;

/// <summary>
/// The telemetry of Llm.Stack.Onnx: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="ActivitySourceName"/>, following the OpenTelemetry GenAI semantic conventions for embeddings.
/// </summary>
/// <remarks>
/// <para>
/// Spans: <c>embeddings {model}</c> for each <see cref="OnnxEmbeddingGenerator.GenerateAsync"/> call, <c>chat {model}</c>
/// for each <see cref="OnnxChatClient"/> generation (with its input and output tokens), and
/// <see cref="InferenceSpanName"/> for each batch the embedding generator or the cross-encoder runs through ONNX
/// Runtime. Metrics: <see cref="OperationDurationName"/> (seconds) and <see cref="TokenUsageName"/> (input tokens) per
/// embedding call. Tag names are in <see cref="TelemetryTags"/>; no tag holds input text.
/// </para>
/// <para>
/// Subscribe with OpenTelemetry's <c>AddSource(OnnxTelemetry.ActivitySourceName)</c> and
/// <c>AddMeter(OnnxTelemetry.MeterName)</c>. With no listener, the instrumented calls skip all telemetry work.
/// </para>
/// </remarks>
public static class OnnxTelemetry
{
    /// <summary>The name of the package's <see cref="ActivitySource"/>.</summary>
    public const string ActivitySourceName = "Llm.Stack.Onnx";

    /// <summary>The name of the package's <see cref="Meter"/>.</summary>
    public const string MeterName = "Llm.Stack.Onnx";

    /// <summary>The name of the span around one batch run through ONNX Runtime.</summary>
    public const string InferenceSpanName = "llm_stack.onnx.inference";

    /// <summary>The GenAI histogram of operation durations, in seconds (<c>gen_ai.client.operation.duration</c>).</summary>
    public const string OperationDurationName = "gen_ai.client.operation.duration";

    /// <summary>The GenAI histogram of tokens per operation (<c>gen_ai.client.token.usage</c>).</summary>
    public const string TokenUsageName = "gen_ai.client.token.usage";

    /// <summary>The provider name reported in <see cref="TelemetryTags.ProviderName"/> and in the generator's metadata.</summary>
    internal const string ProviderName = "onnxruntime";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(OnnxTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(MeterName, typeof(OnnxTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        OperationDurationName,
        unit: "s",
        description: "Measures the duration of a GenAI operation",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    internal static readonly Histogram<long> TokenUsage = Meter.CreateHistogram(
        TokenUsageName,
        unit: "{token}",
        description: "Measures number of input and output tokens used",
        tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864] });

    /// <summary>Gets a value indicating whether an embedding call's duration or tokens are measured.</summary>
    internal static bool MeasuresEmbeddings => OperationDuration.Enabled || TokenUsage.Enabled;

    /// <summary>Starts the span of an embedding call, when someone listens.</summary>
    internal static Activity? StartEmbeddings(string modelId, int dimensions, int inputs)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity($"{TelemetryTags.EmbeddingsOperation} {modelId}", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryTags.OperationName, TelemetryTags.EmbeddingsOperation)
                .SetTag(TelemetryTags.ProviderName, ProviderName)
                .SetTag(TelemetryTags.RequestModel, modelId)
                .SetTag(TelemetryTags.EmbeddingDimensions, dimensions)
                .SetTag(TelemetryTags.BatchSize, inputs);
        }

        return activity;
    }

    /// <summary>Ends an embedding call: its span's usage or error, and its duration and tokens.</summary>
    internal static void EndEmbeddings(Activity? activity, long startTimestamp, string modelId, long inputTokens, Exception? error)
    {
        if (activity is not null)
        {
            if (error is null)
            {
                activity.SetTag(TelemetryTags.InputTokens, inputTokens);
            }
            else
            {
                activity.SetTag(TelemetryTags.ErrorType, error.GetType().FullName).SetStatus(ActivityStatusCode.Error, error.Message);
            }
        }

        if (startTimestamp == 0)
        {
            return;
        }

        var tags = new TagList
        {
            { TelemetryTags.OperationName, TelemetryTags.EmbeddingsOperation },
            { TelemetryTags.ProviderName, ProviderName },
            { TelemetryTags.RequestModel, modelId },
        };
        if (error is not null)
        {
            tags.Add(TelemetryTags.ErrorType, error.GetType().FullName);
        }

        OperationDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        if (error is null && TokenUsage.Enabled)
        {
            tags.Add(TelemetryTags.TokenType, TelemetryTags.InputTokenType);
            TokenUsage.Record(inputTokens, tags);
        }
    }

    /// <summary>Starts the span of one chat generation (<c>chat {model}</c>), when someone listens.</summary>
    internal static Activity? StartChat(string providerName, string modelId, int inputTokens)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity($"{TelemetryTags.ChatOperation} {modelId}", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryTags.OperationName, TelemetryTags.ChatOperation)
                .SetTag(TelemetryTags.ProviderName, providerName)
                .SetTag(TelemetryTags.RequestModel, modelId)
                .SetTag(TelemetryTags.InputTokens, inputTokens);
        }

        return activity;
    }

    /// <summary>Starts the span of one batch run through ONNX Runtime, when someone listens.</summary>
    internal static Activity? StartInference(string modelId, int batchSize, int sequenceLength)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity(InferenceSpanName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryTags.ProviderName, ProviderName)
                .SetTag(TelemetryTags.RequestModel, modelId)
                .SetTag(TelemetryTags.BatchSize, batchSize)
                .SetTag(TelemetryTags.SequenceLength, sequenceLength);
        }

        return activity;
    }
}
