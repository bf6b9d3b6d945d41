using BenchmarkDotNet.Attributes;
using Llm.Stack.Monitoring;

namespace Llm.Stack.Benchmarks.Monitoring;

/// <summary>
/// The dashboard's query over 1,000,000 stored interactions (issue 20: under 300 ms each):
/// <see cref="SqliteInteractionStore.GetStatisticsAsync"/>, which answers everything one page of <c>/dashboard</c> shows
/// (latency and time-to-first-token percentiles per bucket, tokens and cost per model and day, feedback, unanswered
/// share, score histogram and drift, guardrail blocks, errors, the filter lists). The interactions are spread evenly over
/// the last 28 days, 8 models, 50 tenants, 4 sources each, 1 in 20 with an error, 1 in 50 with a guardrail block, and
/// 1 in 100 with feedback; the file is built once (about 390 MB, written through the store) in the temp folder
/// and reused while it still holds them (a file of an older schema gets its roll-ups built when opened, in the setup).
/// </summary>
[MemoryDiagnoser]
public class DashboardQueryBenchmark : IDisposable
{
    private const int Interactions = 1_000_000;
    private static readonly string[] Blocked = ["blocked:prompt_injection:input:ignore_instructions"];
    private SqliteInteractionStore _store = null!;
    private DateTimeOffset _now;

    /// <summary>The data file: built once in the temp folder, reused while it holds the interactions.</summary>
    public static string DataPath => Path.Combine(Path.GetTempPath(), "llmstack-bench-dashboard-1m.db");

    [GlobalSetup]
    public void Setup()
    {
        _store = Prepare(DataPath);
        _now = DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// Opens the data file, writing the 1,000,000 interactions first when it does not hold them (not timed: the
    /// benchmark program's <c>dashboard-data</c> command runs it alone, so a bench window need not).
    /// </summary>
    /// <param name="path">The SQLite file.</param>
    /// <returns>The open store.</returns>
    public static SqliteInteractionStore Prepare(string path)
    {
        var store = new SqliteInteractionStore(path);
        if (store.GetStatisticsAsync(new InteractionStatisticsQuery()).GetAwaiter().GetResult().Count == Interactions)
        {
            return store;
        }

        store.Dispose();
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
        {
            File.Delete(file);
        }

        store = new SqliteInteractionStore(path);
        var random = new Random(20);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset start = now.AddDays(-28);
        long span = (long)(now - start).TotalMilliseconds;
        var batch = new InteractionRecord[10_000];
        for (int written = 0; written < Interactions; written += batch.Length)
        {
            for (int i = 0; i < batch.Length; i++)
            {
                int n = written + i;
                double top = 0.4 + (random.NextDouble() * 0.5);
                batch[i] = new InteractionRecord
                {
                    Id = n.ToString("D8", System.Globalization.CultureInfo.InvariantCulture),
                    Timestamp = start.AddMilliseconds(span * (double)n / Interactions),
                    Operation = n % 4 == 0 ? "chat" : "rag",
                    ModelId = $"model-{n % 8}",
                    TenantId = $"tenant-{n % 50}",
                    RetrievedChunks = [new($"doc{n % 997}.md#0", top), new($"doc{n % 991}.md#1", top - 0.05), new($"doc{n % 983}.md#2", top - 0.1), new($"doc{n % 977}.md#3", top - 0.2)],
                    CitedChunkIds = n % 9 == 0 ? [] : [$"doc{n % 997}.md#0"],
                    InputTokens = 300 + random.Next(900),
                    OutputTokens = 20 + random.Next(300),
                    TimeToFirstToken = TimeSpan.FromMilliseconds(50 + (random.NextDouble() * 400)),
                    Duration = TimeSpan.FromMilliseconds(200 + (random.NextDouble() * random.NextDouble() * 5000)),
                    Cost = 0.0001m * (1 + (n % 13)),
                    GuardrailDecisions = n % 50 == 0 ? Blocked : [],
                    Error = n % 20 == 0 ? "HttpRequestException" : null,
                };
            }

            store.WriteAsync(batch).GetAwaiter().GetResult();
            for (int i = 0; i < batch.Length; i += 100)
            {
                store.AddFeedbackAsync(batch[i].Id, new InteractionFeedback { Rating = i % 300 == 0 ? 1 : 5 }).GetAwaiter().GetResult();
            }
        }

        return store;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _store.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Everything stored: the heaviest page, every row scanned.</summary>
    [Benchmark]
    public Task<InteractionStatistics> AllStored() => _store.GetStatisticsAsync(new InteractionStatisticsQuery());

    /// <summary>The last 7 days, every model and tenant (the page as it first opens).</summary>
    [Benchmark]
    public Task<InteractionStatistics> Last7Days() => _store.GetStatisticsAsync(new InteractionStatisticsQuery { From = _now.AddDays(-7), To = _now });

    /// <summary>The last 24 hours, every model and tenant: 30-minute buckets, narrower than the hourly roll-ups, so the rows are read.</summary>
    [Benchmark]
    public Task<InteractionStatistics> Last24Hours() => _store.GetStatisticsAsync(new InteractionStatisticsQuery { From = _now.AddDays(-1), To = _now });

    /// <summary>The last 7 days of one model (the page's default range with a model chosen).</summary>
    [Benchmark]
    public Task<InteractionStatistics> OneModelLast7Days() => _store.GetStatisticsAsync(new InteractionStatisticsQuery { From = _now.AddDays(-7), To = _now, ModelId = "model-3" });

    /// <summary>The last 24 hours of one tenant.</summary>
    [Benchmark]
    public Task<InteractionStatistics> OneTenantLast24Hours() => _store.GetStatisticsAsync(new InteractionStatisticsQuery { From = _now.AddDays(-1), To = _now, TenantId = "tenant-7" });
}
