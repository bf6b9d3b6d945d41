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

    /// <summary>Gets the compiler line the probes were built with, for the benchmark output.</summary>
    public static string BuildLine { get; private set; } = "";

    /// <summary>One sequential read of <paramref name="data"/>, summed with eight vector accumulators.</summary>
    public static double ReadSum(ReadOnlySpan<float> data)
    {
        var read = (delegate* unmanaged<float*, long, double>)NativeLibrary.GetExport(s_library.Value, "llmstack_read_sum");
        fixed (float* p = data)
        {
            return read(p, data.Length);
        }
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
