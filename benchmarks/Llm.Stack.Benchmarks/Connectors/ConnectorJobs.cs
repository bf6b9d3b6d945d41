using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Llm.Stack.Benchmarks.Connectors;

/// <summary>
/// The jobs of the connector benchmarks: run in the benchmark's own process (what is measured is the servers' work and
/// the round trips, and an out-of-process run would first build a generated project under the exclusive benchmark
/// lock), monitoring strategy, one invocation per iteration. A benchmark case may run up to 14 minutes (the in-process
/// default of 5 is less than a 100k load into a server's HNSW index takes on a small machine).
/// </summary>
internal static class ConnectorJobs
{
    public static Job Create(int warmupCount, int iterationCount, int timeoutMinutes = 14) => Job.Default
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(timeoutMinutes), logOutput: true))
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(warmupCount)
        .WithIterationCount(iterationCount)
        .WithInvocationCount(1)
        .WithUnrollFactor(1);

    /// <summary>One iteration of a whole load per store (it takes minutes on a server), no warm-up.</summary>
    public sealed class UpsertConfig : ManualConfig
    {
        public UpsertConfig() => AddJob(ConnectorJobs.Create(warmupCount: 0, iterationCount: 1));
    }

    /// <summary>One ingestion run per store, no warm-up; up to 40 minutes (a 100k-chunk ingestion into a server, with its verification, took over 14 on this machine).</summary>
    public sealed class IngestionConfig : ManualConfig
    {
        public IngestionConfig() => AddJob(ConnectorJobs.Create(warmupCount: 0, iterationCount: 1, timeoutMinutes: 40));
    }

    /// <summary>200 single queries after 10 warm-up ones, with per-query percentiles.</summary>
    public sealed class QueryConfig : ManualConfig
    {
        public QueryConfig()
        {
            AddJob(ConnectorJobs.Create(warmupCount: 10, iterationCount: 200));
            AddColumn(StatisticColumn.P50, StatisticColumn.P95);
        }
    }
}
