using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// The telemetry of Llm.Stack.VectorIndex: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <c>Llm.Stack.VectorIndex</c>, with the names of their spans and instruments.
/// </summary>
/// <remarks>
/// <para>
/// Spans: <see cref="SearchSpanName"/> for each vector or hybrid search of a collection, <see cref="SnapshotLoadSpanName"/>
/// and <see cref="SnapshotSaveSpanName"/> for each snapshot read or written. Metrics: <see cref="SearchDurationName"/>.
/// Tag names are in <see cref="TelemetryTags"/>; a search span names the keys of the records it returned
/// (<see cref="TelemetryTags.RecordKeys"/>), and no tag holds a vector or record content.
/// </para>
/// <para>
/// Subscribe with OpenTelemetry's <c>AddSource(VectorIndexTelemetry.ActivitySourceName)</c> and
/// <c>AddMeter(VectorIndexTelemetry.MeterName)</c>. With no listener, a search does no telemetry work beyond one check
/// of each.
/// </para>
/// </remarks>
public static class VectorIndexTelemetry
{
    /// <summary>The name of the package's <see cref="ActivitySource"/>.</summary>
    public const string ActivitySourceName = "Llm.Stack.VectorIndex";

    /// <summary>The name of the package's <see cref="Meter"/>.</summary>
    public const string MeterName = "Llm.Stack.VectorIndex";

    /// <summary>The span of one search of a collection.</summary>
    public const string SearchSpanName = "llm_stack.vector.search";

    /// <summary>The span of reading a snapshot.</summary>
    public const string SnapshotLoadSpanName = "llm_stack.snapshot.load";

    /// <summary>The span of writing a snapshot.</summary>
    public const string SnapshotSaveSpanName = "llm_stack.snapshot.save";

    /// <summary>The histogram of search durations, in seconds.</summary>
    public const string SearchDurationName = "llm_stack.vector.search.duration";

    /// <summary>The <see cref="TelemetryTags.DbOperationName"/> of a vector search.</summary>
    internal const string SearchOperation = "search";

    /// <summary>The <see cref="TelemetryTags.DbOperationName"/> of a hybrid (vector and keyword) search.</summary>
    internal const string HybridSearchOperation = "hybrid_search";

    /// <summary>The <see cref="TelemetryTags.DbOperationName"/> of a batch of vector searches.</summary>
    internal const string BatchSearchOperation = "search_batch";

    /// <summary>The value of <see cref="TelemetryTags.DbSystemName"/> for this store.</summary>
    internal const string SystemName = "llm_stack.inmemory";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(VectorIndexTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(MeterName, typeof(VectorIndexTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Histogram<double> SearchDuration = Meter.CreateHistogram(
        SearchDurationName,
        unit: "s",
        description: "Measures the duration of a search of an in-memory collection",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] });

    /// <summary>Gets the start timestamp of a measured search, or 0 when nobody measures searches.</summary>
    internal static long StartSearchTimer() => SearchDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Starts the span of a search, when someone listens.</summary>
    internal static Activity? StartSearch(string collection, string operation, int top)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity(SearchSpanName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryTags.DbSystemName, SystemName)
                .SetTag(TelemetryTags.DbCollectionName, collection)
                .SetTag(TelemetryTags.DbOperationName, operation)
                .SetTag(TelemetryTags.TopK, top);
        }

        return activity;
    }

    /// <summary>Ends a search: its span's result count, and its duration when measured.</summary>
    internal static void EndSearch(Activity? activity, long startTimestamp, string collection, string operation, int results)
    {
        activity?.SetTag(TelemetryTags.ReturnedRows, results);
        if (startTimestamp != 0)
        {
            SearchDuration.Record(
                Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
                new KeyValuePair<string, object?>(TelemetryTags.DbCollectionName, collection),
                new KeyValuePair<string, object?>(TelemetryTags.DbOperationName, operation));
        }
    }

    /// <summary>Starts the span of a snapshot read or write, when someone listens; a read learns its collection's name from the snapshot.</summary>
    internal static Activity? StartSnapshot(string spanName, string? collection)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity(spanName, ActivityKind.Internal);
        activity?.SetTag(TelemetryTags.DbSystemName, SystemName);
        if (collection is not null)
        {
            activity?.SetTag(TelemetryTags.DbCollectionName, collection);
        }

        return activity;
    }

    /// <summary>Ends a snapshot read or write: its span's record count, and the file's size when known.</summary>
    internal static void EndSnapshot(Activity? activity, int records, long fileBytes)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryTags.RecordCount, records);
            if (fileBytes >= 0)
            {
                activity.SetTag(TelemetryTags.FileBytes, fileBytes);
            }
        }
    }

    /// <summary>Marks a span as failed with the exception's type.</summary>
    internal static void SetError(Activity? activity, Exception error)
    {
        activity?.SetTag(TelemetryTags.ErrorType, error.GetType().FullName).SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
