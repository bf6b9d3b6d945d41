using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// USearch C API calls that the .NET binding 2.26.6 does not expose (changing the search expansion, reserving capacity
/// and the number of adding threads, the index's memory use and the SIMD kernel it picked), made on the binding's own native handle.
/// </summary>
internal static class USearchNative
{
    private const string Library = "libusearch_c";

    public static void ChangeExpansionSearch(USearchIndex index, int expansion)
    {
        usearch_change_expansion_search(Handle(index), (nuint)expansion, out nint error);
        Check(error);
    }

    public static void Reserve(USearchIndex index, int capacity, int threads)
    {
        usearch_change_threads_add(Handle(index), (nuint)threads, out nint error);
        Check(error);
        usearch_reserve(Handle(index), (nuint)capacity, out error);
        Check(error);
    }

    public static long MemoryUsage(USearchIndex index)
    {
        nuint bytes = usearch_memory_usage(Handle(index), out nint error);
        Check(error);
        return (long)bytes;
    }

    public static string HardwareAcceleration(USearchIndex index)
    {
        nint name = usearch_hardware_acceleration(Handle(index), out nint error);
        Check(error);
        return Marshal.PtrToStringAnsi(name) ?? "unknown";
    }

    private static nint Handle(USearchIndex index)
        => (nint)typeof(USearchIndex).GetField("_index", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(index)!;

    private static void Check(nint error)
    {
        if (error != 0)
        {
            throw new InvalidOperationException(Marshal.PtrToStringAnsi(error));
        }
    }

    [DllImport(Library)]
    private static extern void usearch_change_expansion_search(nint index, nuint expansion, out nint error);

    [DllImport(Library)]
    private static extern void usearch_change_threads_add(nint index, nuint threads, out nint error);

    [DllImport(Library)]
    private static extern void usearch_reserve(nint index, nuint capacity, out nint error);

    [DllImport(Library)]
    private static extern nuint usearch_memory_usage(nint index, out nint error);

    [DllImport(Library)]
    private static extern nint usearch_hardware_acceleration(nint index, out nint error);
}
