using BenchmarkDotNet.Attributes;
using Llm.Stack.Monitoring;

namespace Llm.Stack.Benchmarks.Monitoring;

/// <summary>
/// Sustained write throughput of the interaction log into its default SQLite store (issue 20: at least 10,000
/// interactions/s batched): 20,000 RAG records (4 sources with scores, 1 citation, tokens, times) queued through
/// <see cref="InteractionLog.Write"/> and stored by its background writer, timed until <see cref="InteractionLog.FlushAsync"/>
/// returns. One operation is one interaction, so records/s = 1 s / Mean. With <see cref="Content"/> the records also carry
/// a question and an answer of about 1 KB in all, scanned for personal data by the writer before they are stored.
/// </summary>
[MemoryDiagnoser]
public class InteractionStoreThroughputBenchmark : IDisposable
{
    private const int Records = 20_000;
    private static readonly string Question = "Which volcano in Iceland erupted in 2010 and how long were flights across Europe stopped? " + new string('q', 160);
    private static readonly string Answer = string.Concat(Enumerable.Repeat("Eyjafjallajokull erupted in 2010 [1]; flights were stopped for six days. ", 10));
    private string _folder = null!;
    private SqliteInteractionStore _store = null!;
    private InteractionLog _log = null!;
    private InteractionRecord[] _batch = null!;

    [Params(false, true)]
    public bool Content { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("llmstack-bench-log-").FullName;
        _store = new SqliteInteractionStore(Path.Combine(_folder, "interactions.db"));
        _log = new InteractionLog(_store, new InteractionLogOptions { IncludeContent = Content, QueueCapacity = Records });
    }

    [IterationSetup]
    public void MakeRecords()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _batch = new InteractionRecord[Records];
        for (int i = 0; i < Records; i++)
        {
            _batch[i] = new InteractionRecord
            {
                Id = InteractionLog.NewId(),
                Timestamp = now,
                Operation = "rag",
                TenantId = "acme",
                ModelId = "gpt-4o-mini",
                Question = Question,
                Answer = Answer,
                RetrievedChunks = [new("docs/eyjafjallajokull.md#3", 0.83), new("docs/iceland.md#12", 0.71), new("docs/aviation.md#1", 0.64), new("docs/volcanoes.md#40", 0.52)],
                CitedChunkIds = ["docs/eyjafjallajokull.md#3"],
                InputTokens = 812,
                OutputTokens = 64,
                TimeToFirstToken = TimeSpan.FromMilliseconds(180),
                Duration = TimeSpan.FromMilliseconds(950),
            };
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _log.Dispose();
        _store.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task WriteAndFlush()
    {
        foreach (InteractionRecord record in _batch)
        {
            if (!_log.Write(record))
            {
                throw new InvalidOperationException("The queue dropped a record.");
            }
        }

        await _log.FlushAsync();
    }
}
