using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// The C probes of <c>Native/probe.c</c>, compiled on first use with <c>gcc -O3 -march=native -shared -fPIC</c> on the
/// machine that runs the benchmark (so they use the widest vectors this CPU has) and called in process on the very
/// buffers the .NET code scans. Requires <c>gcc</c> (Debian: <c>apt-get install gcc</c>).
/// </summary>
internal static unsafe class NativeProbe
{
    private static readonly Lazy<nint> s_library = new(Build);
    private static readonly int[] s_streams = [1, 2, 4];
    private static readonly long[] s_prefetchBytes = [0, 1024, 2048, 4096, 8192, 16384, 32768];

    /// <summary>Gets the compiler line the probes were built with, for the benchmark output.</summary>
    public static string BuildLine { get; private set; } = "";

    /// <summary>The session-4 probe: one sequential read of <paramref name="data"/>, eight vector accumulators, prefetch 2 KB ahead.</summary>
    public static double ReadSum(ReadOnlySpan<float> data)
    {
        var read = (delegate* unmanaged<float*, long, double>)NativeLibrary.GetExport(s_library.Value, "llmstack_read_sum");
        fixed (float* p = data)
        {
            return read(p, data.Length);
        }
    }

    /// <summary>
    /// One read of <paramref name="data"/> split into <paramref name="streams"/> parts read side by side, sixteen vector
    /// accumulators, a software prefetch <paramref name="prefetchBytes"/> ahead (0: none).
    /// </summary>
    public static double ReadSumWith(ReadOnlySpan<float> data, int streams, long prefetchBytes)
    {
        var read = (delegate* unmanaged<float*, long, int, long, double>)NativeLibrary.GetExport(s_library.Value, "llmstack_read_sum_with");
        fixed (float* p = data)
        {
            return read(p, data.Length, streams, prefetchBytes);
        }
    }

    /// <summary>
    /// Times <see cref="ReadSumWith"/> with 1, 2 and 4 streams and prefetch distances from none to 32 KB over
    /// <paramref name="data"/> (two rounds in opposite orders, five reads per combination per round), prints the median
    /// of each, and returns the combination with the lowest median: the C read that this machine runs fastest now.
    /// </summary>
    public static (int Streams, long PrefetchBytes) Calibrate(ReadOnlySpan<float> data)
    {
        (int Streams, long Prefetch)[] grid = [.. from s in s_streams from p in s_prefetchBytes select (s, p)];
        var times = new List<double>[grid.Length];
        for (int g = 0; g < grid.Length; g++)
        {
            times[g] = [];
        }

        ReadSumWith(data, 1, 0); // warm: page tables, the library
        for (int round = 0; round < 2; round++)
        {
            for (int step = 0; step < grid.Length; step++)
            {
                int g = round == 0 ? step : grid.Length - 1 - step;
                for (int rep = 0; rep < 5; rep++)
                {
                    long start = Stopwatch.GetTimestamp();
                    ReadSumWith(data, grid[g].Streams, grid[g].Prefetch);
                    times[g].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        double bytes = data.Length * (double)sizeof(float);
        int best = 0;
        double[] medians = new double[grid.Length];
        for (int g = 0; g < grid.Length; g++)
        {
            times[g].Sort();
            medians[g] = (times[g][4] + times[g][5]) / 2;
            best = medians[g] < medians[best] ? g : best;
            Console.WriteLine($"// C read sweep: {grid[g].Streams} stream(s), prefetch {grid[g].Prefetch,5} B: median {medians[g]:F3} ms ({bytes / medians[g] / 1e6:F1} GB/s), min {times[g][0]:F3} ms");
        }

        Console.WriteLine($"// C read probe: {grid[best].Streams} stream(s), prefetch {grid[best].Prefetch} B ({medians[best]:F3} ms median in the sweep)");
        return grid[best];
    }

    /// <summary>The exact dot-product top-k scan in C over <paramref name="rows"/> rows of <paramref name="dimensions"/> floats.</summary>
    public static int DotScan(ReadOnlySpan<float> data, int rows, int dimensions, ReadOnlySpan<float> query, Span<int> slots, Span<float> scores)
    {
        var scan = (delegate* unmanaged<float*, long, int, float*, int, int*, float*, int>)NativeLibrary.GetExport(s_library.Value, "llmstack_dot_scan");
        fixed (float* p = data)
        fixed (float* q = query)
        fixed (int* s = slots)
        fixed (float* c = scores)
        {
            return scan(p, rows, dimensions, q, slots.Length, s, c);
        }
    }

    private static nint Build()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "VectorIndex", "Native", "probe.c");
        string output = Path.Combine(Path.GetTempPath(), $"llmstack-probe-{Environment.ProcessId}.so");
        string arguments = $"-O3 -march=native -shared -fPIC -o \"{output}\" \"{source}\"";
        using Process gcc = Process.Start(new ProcessStartInfo("gcc", arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("gcc could not be started; install it (Debian: apt-get install gcc).");
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc {arguments} failed: {errors}");
        }

        BuildLine = $"gcc {arguments}";
        Console.WriteLine($"// C probes: {BuildLine}");
        nint library = NativeLibrary.Load(output);
        File.Delete(output); // the loaded library stays mapped; nothing is left in the temp folder
        return library;
    }
}
