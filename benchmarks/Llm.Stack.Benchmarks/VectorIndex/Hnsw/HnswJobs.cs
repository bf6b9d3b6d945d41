using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The jobs of the HNSW benchmarks: in process, so that each index is built once per process and shared by every case
/// (a separate process per case would rebuild it each time). Run them without <c>--inProcess</c> on the command line:
/// that option adds a second, default job. The in-process executor's time limit per case is raised to 30 minutes: at
/// 1,000,000 vectors the index a case's setup builds takes longer than its default 5 minutes.
/// </summary>
internal static class HnswJobs
{
    private static readonly InProcessEmitToolchain s_toolchain = new(TimeSpan.FromMinutes(30), logOutput: true);

    /// <summary>Searches: throughput, one warm-up and five measured iterations.</summary>
    public sealed class Search : ManualConfig
    {
        /// <summary>Initializes a new instance of the <see cref="Search"/> class.</summary>
        public Search() => AddJob(Job.Default.WithToolchain(s_toolchain)
            .WithStrategy(RunStrategy.Throughput).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5));
    }

    /// <summary>Builds: one cold, measured whole build per case.</summary>
    public sealed class Build : ManualConfig
    {
        /// <summary>Initializes a new instance of the <see cref="Build"/> class.</summary>
        public Build() => AddJob(Job.Default.WithToolchain(s_toolchain)
            .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(1));
    }
}
