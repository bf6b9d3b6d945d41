namespace Llm.Stack.Benchmarks.Routing;

/// <summary>
/// The bytes each row of <see cref="ChatMiddlewareOverheadBenchmark"/> allocates per call, counted exactly with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> over 20,000 calls after 2,000 to warm up, on the benchmark's own
/// setup (every call there completes at once on this thread). It times nothing, so it needs no benchmark window; its
/// figures are what BenchmarkDotNet's <c>Allocated</c> column reports for the same rows.
/// </summary>
internal static class ChatMiddlewareAllocations
{
    private const int Warmup = 2_000;
    private const int Calls = 20_000;

    /// <summary>Prints each row's bytes per call.</summary>
    /// <returns>0.</returns>
    public static int Run()
    {
        var benchmark = new ChatMiddlewareOverheadBenchmark();
        benchmark.Setup();
        try
        {
            (string Name, Func<Task> Call)[] rows =
            [
                (nameof(benchmark.Bare), benchmark.Bare),
                (nameof(benchmark.Stack), benchmark.Stack),
                (nameof(benchmark.BareStreaming), benchmark.BareStreaming),
                (nameof(benchmark.StackStreaming), benchmark.StackStreaming),
                (nameof(benchmark.Cache), benchmark.Cache),
                (nameof(benchmark.Ledger), benchmark.Ledger),
                (nameof(benchmark.Router), benchmark.Router),
                (nameof(benchmark.Resilience), benchmark.Resilience),
                (nameof(benchmark.Embed), benchmark.Embed),
                (nameof(benchmark.CacheStreaming), benchmark.CacheStreaming),
                (nameof(benchmark.LedgerStreaming), benchmark.LedgerStreaming),
                (nameof(benchmark.RouterStreaming), benchmark.RouterStreaming),
                (nameof(benchmark.ResilienceStreaming), benchmark.ResilienceStreaming),
            ];
            Console.WriteLine("| Method | Allocated per call |");
            Console.WriteLine("|------- |-------------------:|");
            foreach ((string name, Func<Task> call) in rows)
            {
                for (int i = 0; i < Warmup; i++)
                {
                    call().GetAwaiter().GetResult();
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Calls; i++)
                {
                    call().GetAwaiter().GetResult();
                }

                long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| {name} | {perCall:N0} B |"));
            }
        }
        finally
        {
            benchmark.Cleanup();
        }

        return 0;
    }
}
