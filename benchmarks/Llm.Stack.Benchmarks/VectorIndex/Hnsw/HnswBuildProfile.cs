using System.Diagnostics;
using Llm.Stack.VectorIndex;

namespace Llm.Stack.Benchmarks.VectorIndex;

/// <summary>
/// A diagnostic for the parallel HNSW build (not a benchmark; <see cref="HnswBuildBenchmark"/> gives the recorded
/// times): links the first <c>n</c> vectors of <see cref="HnswData"/> straight into an <see cref="HnswGraph"/> three ways,
/// one core without locks, one core taking the locks a concurrent insert takes, and all cores, and prints each time
/// with the garbage collections and lock contentions it caused. Run it under the benchmark lock:
/// <c>Llm.Stack.Benchmarks.dll hnsw-build-profile [n]</c>.
/// </summary>
internal static class HnswBuildProfile
{
    public static int Run(int n)
    {
        float[][] vectors = HnswData.Vectors;
        n = Math.Min(n, vectors.Length);
        Console.WriteLine($"// {HnswData.Name}: linking the first {n:N0}, {Environment.ProcessorCount} cores");
        foreach ((string mode, int threads, bool locks) in new[] { ("one core, no locks", 1, false), ("one core, concurrent locks", 1, true), ("all cores", Environment.ProcessorCount, true) })
        {
            var spec = new VectorColumnSpec("v", typeof(ReadOnlyMemory<float>), HnswData.Dimensions, DistanceKind.CosineSimilarity, "Hnsw", VectorQuantization.None, new HnswParameters(16, 200, 64, 42));
            var column = new VectorColumn(spec, n);
            for (int i = 0; i < n; i++)
            {
                column.Set(i, vectors[i]);
            }

            HnswGraph graph = column.Graph!;
            GC.Collect();
            int gen0 = GC.CollectionCount(0);
            long contention = Monitor.LockContentionCount;
            var watch = Stopwatch.StartNew();
            if (threads > 1 || !locks)
            {
                graph.Build(n, threads);
            }
            else
            {
                // What a parallel build's inserts do, on one thread: the same locks and list copies, no other thread.
                for (int slot = 0; slot < n; slot++)
                {
                    graph.Insert(slot, graph.DrawLevel(), concurrent: slot >= 1024);
                }
            }

            watch.Stop();
            Console.WriteLine($"{mode,-28} {watch.Elapsed.TotalSeconds,8:F2} s  gen0 GCs {GC.CollectionCount(0) - gen0,4}  lock contentions {Monitor.LockContentionCount - contention,8}");
        }

        return 0;
    }
}
