namespace Llm.Stack.VectorIndex;

/// <summary>
/// Bounded top-k selection: a binary min-heap (<see cref="BoundedHeap"/>, shared with BM25 search) of the best <c>k</c>
/// (goodness, slot) pairs seen so far, where a higher goodness is a better match. Each candidate costs one comparison
/// against the current worst unless it enters the heap (O(n log k) in the worst case, no full sort). Ties keep the
/// candidate seen first.
/// </summary>
internal sealed class TopK
{
    private const int MaxCachedK = 4096;

    [ThreadStatic]
    private static TopK?[]? t_cache;

    private readonly float[] _goodness;
    private readonly int[] _slots;
    private int _k;
    private int _count;

    public TopK(int k)
    {
        _goodness = new float[k];
        _slots = new int[k];
        _k = k;
    }

    /// <summary>
    /// Returns this thread's reusable heap number <paramref name="index"/> (0 or 1), emptied and bounded to
    /// <paramref name="k"/>: a one-thread search allocates no heap. Valid until the same index is asked for again
    /// on this thread.
    /// </summary>
    public static TopK ForThread(int index, int k)
    {
        if (k > MaxCachedK)
        {
            return new TopK(k); // not kept: a rare deep search must not pin large arrays to the thread
        }

        TopK?[] cache = t_cache ??= new TopK?[2];
        TopK? heap = cache[index];
        if (heap is null || heap._goodness.Length < k)
        {
            cache[index] = heap = new TopK(Math.Max(k, 16));
        }

        heap._k = k;
        heap._count = 0;
        return heap;
    }

    /// <summary>Returns the slot of the <paramref name="i"/>-th held candidate (in heap order, or slot order after <see cref="SortBySlot"/>).</summary>
    public int SlotAt(int i) => _slots[i];

    /// <summary>Sorts the held candidates by ascending slot; the heap is no longer valid for <see cref="Add"/> afterwards.</summary>
    public void SortBySlot() => _slots.AsSpan(0, _count).Sort(_goodness.AsSpan(0, _count));

    /// <summary>Gets the number of candidates held.</summary>
    public int Count => _count;

    /// <summary>Gets the worst goodness that still enters the heap (−∞ until it is full).</summary>
    public float Threshold => _count < _k ? float.NegativeInfinity : _goodness[0];

    /// <summary>Offers a candidate.</summary>
    public void Add(float goodness, int slot)
    {
        if (_count < _k)
        {
            int i = _count++;
            _goodness[i] = goodness;
            _slots[i] = slot;
            BoundedHeap.SiftUp(_goodness, _slots, i);
        }
        else if (goodness > _goodness[0])
        {
            _goodness[0] = goodness;
            _slots[0] = slot;
            BoundedHeap.SiftDown(_goodness, _slots, _count);
        }
    }

    /// <summary>Merges another heap's candidates into this one.</summary>
    public void Merge(TopK other)
    {
        for (int i = 0; i < other._count; i++)
        {
            Add(other._goodness[i], other._slots[i]);
        }
    }

    /// <summary>Returns the held candidates, best first (ties by ascending slot).</summary>
    public (float Goodness, int Slot)[] ToSortedArray()
    {
        var result = new (float Goodness, int Slot)[_count];
        for (int i = 0; i < _count; i++)
        {
            result[i] = (_goodness[i], _slots[i]);
        }

        Array.Sort(result, static (a, b) => a.Goodness != b.Goodness ? b.Goodness.CompareTo(a.Goodness) : a.Slot.CompareTo(b.Slot));
        return result;
    }
}
