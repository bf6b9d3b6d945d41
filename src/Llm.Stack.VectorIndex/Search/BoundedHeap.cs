using System.Numerics;
using System.Runtime.CompilerServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// The heap operations of bounded top-k selection, shared by vector search (<see cref="TopK"/>, float goodness) and
/// BM25 search (double scores): a binary min-heap over parallel arrays of scores and ids whose root is the worst
/// candidate kept. A candidate is better than another when its score is higher or, on equal scores, its id is lower,
/// so ties keep the earlier id and every result order is deterministic.
/// </summary>
/// <remarks>
/// Callers keep the insert step (fill, then replace the root) inline in their own loops with the heap size in a local:
/// a shared insert helper taking the size by reference was measured slower in BM25's hot loop (see
/// <c>benchmarks/RESULTS.md</c>).
/// </remarks>
internal static class BoundedHeap
{
    /// <summary>Tells whether (<paramref name="score"/>, <paramref name="id"/>) ranks before (<paramref name="otherScore"/>, <paramref name="otherId"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Better<T>(T score, int id, T otherScore, int otherId)
        where T : struct, IComparisonOperators<T, T, bool>
        => score > otherScore || (score == otherScore && id < otherId);

    /// <summary>Moves the entry at <paramref name="index"/> up to its place after it was appended.</summary>
    public static void SiftUp<T>(T[] scores, int[] ids, int index)
        where T : struct, IComparisonOperators<T, T, bool>
    {
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (!Better(scores[parent], ids[parent], scores[index], ids[index]))
            {
                break;
            }

            (ids[parent], ids[index]) = (ids[index], ids[parent]);
            (scores[parent], scores[index]) = (scores[index], scores[parent]);
            index = parent;
        }
    }

    /// <summary>Moves the root down to its place after it was replaced, in a heap of <paramref name="size"/> entries.</summary>
    public static void SiftDown<T>(T[] scores, int[] ids, int size)
        where T : struct, IComparisonOperators<T, T, bool>
    {
        int index = 0;
        while (true)
        {
            int left = (2 * index) + 1;
            if (left >= size)
            {
                break;
            }

            int worst = left;
            int right = left + 1;
            if (right < size && Better(scores[worst], ids[worst], scores[right], ids[right]))
            {
                worst = right;
            }

            if (!Better(scores[index], ids[index], scores[worst], ids[worst]))
            {
                break;
            }

            (ids[worst], ids[index]) = (ids[index], ids[worst]);
            (scores[worst], scores[index]) = (scores[index], scores[worst]);
            index = worst;
        }
    }
}
