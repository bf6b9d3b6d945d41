using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>Search and snapshot spans (named in <see cref="VectorIndexTelemetry"/>), and the store's log messages.</summary>
public sealed class TelemetryAndLoggingTests : IDisposable
{
    private readonly string _collection = "notes-" + Guid.NewGuid().ToString("N");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "llmstack-telemetry-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public TelemetryAndLoggingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == VectorIndexTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    public sealed class Note
    {
        [VectorStoreKey]
        public int Id { get; set; }

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = string.Empty;

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    private static IEnumerable<Note> Notes(int count) => Enumerable.Range(1, count).Select(i => new Note
    {
        Id = i,
        Text = $"secret text {i}",
        Embedding = new([1f, i, i % 3]),
    });

    private List<Activity> Spans(string name) => [.. _spans.Where(a => a.OperationName == name && (a.GetTagItem("db.collection.name") as string) == _collection)];

    [Fact]
    public async Task Each_search_records_its_duration_in_the_histogram_with_the_collection_and_operation()
    {
        var measurements = new ConcurrentQueue<(double Seconds, string? Collection, string? Operation)>();
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == VectorIndexTelemetry.MeterName && instrument.Name == VectorIndexTelemetry.SearchDurationName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            string? collection = null, operation = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                collection = tag.Key == "db.collection.name" ? tag.Value as string : collection;
                operation = tag.Key == "db.operation.name" ? tag.Value as string : operation;
            }

            measurements.Enqueue((seconds, collection, operation));
        });
        meters.Start();
        using var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Note> notes = store.GetCollection<int, Note>(_collection);
        await notes.EnsureCollectionExistsAsync();
        await notes.UpsertAsync(Notes(5));
        ReadOnlyMemory<float> query = new([1f, 2f, 2f]);

        _ = await notes.SearchAsync(query, 3).ToListAsync();
        _ = await notes.HybridSearchAsync(query, ["text"], 2).ToListAsync();

        var mine = measurements.Where(m => m.Collection == _collection).ToList();
        Assert.Equal(["hybrid_search", "search"], mine.Select(m => m.Operation).Order(StringComparer.Ordinal));
        Assert.All(mine, m => Assert.True(m.Seconds is > 0 and < 60, $"{m.Operation}: {m.Seconds} s"));
    }

    [Fact]
    public async Task Each_search_has_a_span_naming_the_operation_and_the_keys_it_returned()
    {
        using var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Note> notes = store.GetCollection<int, Note>(_collection);
        await notes.EnsureCollectionExistsAsync();
        await notes.UpsertAsync(Notes(5));
        ReadOnlyMemory<float> query = new([1f, 2f, 2f]);

        List<int> found = await notes.SearchAsync(query, 3).Select(r => r.Record.Id).ToListAsync();
        List<int> hybrid = await notes.HybridSearchAsync(query, ["text"], 2).Select(r => r.Record.Id).ToListAsync();
        IReadOnlyList<IReadOnlyList<VectorSearchResult<Note>>> batch = await notes.SearchBatchAsync([query, query], 4);

        List<Activity> spans = Spans(VectorIndexTelemetry.SearchSpanName);
        Assert.Equal(3, spans.Count);
        Activity search = Assert.Single(spans, s => (string?)s.GetTagItem("db.operation.name") == "search");
        Assert.Equal(3, search.GetTagItem("gen_ai.retrieval.top_k"));
        Assert.Equal(3, search.GetTagItem("db.response.returned_rows"));
        Assert.Equal(found.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)), (string?[])search.GetTagItem(TelemetryTags.RecordKeys)!);
        Assert.Equal("llm_stack.inmemory", search.GetTagItem("db.system.name"));
        Activity hybridSpan = Assert.Single(spans, s => (string?)s.GetTagItem("db.operation.name") == "hybrid_search");
        Assert.Equal(hybrid.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)), (string?[])hybridSpan.GetTagItem(TelemetryTags.RecordKeys)!);
        Activity batchSpan = Assert.Single(spans, s => (string?)s.GetTagItem("db.operation.name") == "search_batch");
        Assert.Equal(2, batchSpan.GetTagItem(TelemetryTags.BatchSize));
        Assert.Equal(batch.Sum(r => r.Count), batchSpan.GetTagItem("db.response.returned_rows"));
        Assert.All(spans, s => Assert.DoesNotContain(s.TagObjects, t => t.Value is string text && text.Contains("secret", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_failed_search_ends_its_span_with_the_error_type()
    {
        using var store = new InMemoryVectorStore();
        InMemoryVectorCollection<int, Note> notes = store.GetCollection<int, Note>(_collection);
        await notes.EnsureCollectionExistsAsync();
        await notes.UpsertAsync(Notes(2));

        await Assert.ThrowsAsync<ArgumentException>(async () => await notes.SearchAsync(new ReadOnlyMemory<float>([1f, 2f]), 1).ToListAsync());

        Activity span = Assert.Single(Spans(VectorIndexTelemetry.SearchSpanName));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(ArgumentException).FullName, span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task Snapshot_save_and_load_have_spans_and_log_lines_with_counts_and_no_content()
    {
        var logs = new ListLoggerFactory();
        string path = Path.Combine(_folder, "notes.lsvi");
        using (var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { LoggerFactory = logs }))
        {
            InMemoryVectorCollection<int, Note> notes = store.GetCollection<int, Note>(_collection);
            await notes.EnsureCollectionExistsAsync();
            await notes.UpsertAsync(Notes(200));
            await notes.DeleteAsync(Enumerable.Range(1, 150));
            await store.SaveCollectionToFileAsync(_collection, path);
        }

        using var loaded = new InMemoryVectorStore(new InMemoryVectorStoreOptions { LoggerFactory = logs });
        Assert.Equal(_collection, await loaded.LoadCollectionFromFileAsync(path));

        Activity save = Assert.Single(Spans(VectorIndexTelemetry.SnapshotSaveSpanName));
        Activity load = Assert.Single(Spans(VectorIndexTelemetry.SnapshotLoadSpanName));
        Assert.Equal(50, save.GetTagItem(TelemetryTags.RecordCount));
        Assert.Equal(new FileInfo(path).Length, save.GetTagItem(TelemetryTags.FileBytes));
        Assert.Equal(50, load.GetTagItem(TelemetryTags.RecordCount));
        Assert.Equal(new FileInfo(path).Length, load.GetTagItem(TelemetryTags.FileBytes));

        Assert.Contains($"Compacted collection '{_collection}': reclaimed the slots of 150 deleted records; 50 records remain.", logs.Messages);
        Assert.Contains(logs.Messages, m => m.StartsWith($"Saved collection '{_collection}' (50 records) to '{path}'", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.StartsWith($"Loaded collection '{_collection}' (50 records) from '{path}'", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Messages, m => m.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_automatic_save_is_logged_as_a_warning()
    {
        var logs = new ListLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Warning);
        Directory.CreateDirectory(_folder);
        using var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { PersistenceDirectory = _folder, PersistenceInterval = TimeSpan.FromMilliseconds(50), LoggerFactory = logs });
        InMemoryVectorCollection<int, Note> notes = store.GetCollection<int, Note>(_collection);
        await notes.EnsureCollectionExistsAsync();
        store.SaveStreamDecorator = _ => throw new IOException("disk full");
        await notes.UpsertAsync(Notes(3));

        for (int i = 0; i < 100 && logs.Messages.IsEmpty; i++)
        {
            await Task.Delay(50);
        }

        Assert.StartsWith($"The automatic save to '{_folder}' failed", logs.Messages.First(), StringComparison.Ordinal);
        store.SaveStreamDecorator = null;
    }
}
