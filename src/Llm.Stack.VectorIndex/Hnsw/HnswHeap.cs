namespace Llm.Stack.VectorIndex;

/// <summary>A binary min-heap of (goodness, node) pairs over reusable arrays; the root is the lowest goodness.</summary>
/// <remarks>Used as the bounded result set (root = worst kept) and, with negated goodness, as the candidate queue (root = best). Not thread-safe.</remarks>
internal sealed class HnswHeap
{
    private float[] _keys;
    private int[] _ids;

    public HnswHeap(int capacity = 64)
    {
        _keys = new float[Math.Max(4, capacity)];
        _ids = new int[_keys.Length];
    }

    public int Count { get; private set; }

    public float TopKey => _keys[0];

    public int TopId => _ids[0];

    /// <summary>Returns the node at heap position <paramref name="i"/> (any order; for reading every entry).</summary>
    public int IdAt(int i) => _ids[i];

    public void Clear() => Count = 0;

    public void Push(float key, int id)
    {
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, Count * 2);
            Array.Resize(ref _ids, Count * 2);
        }

        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (_keys[parent] <= key)
            {
                break;
            }

            _keys[i] = _keys[parent];
            _ids[i] = _ids[parent];
            i = parent;
        }

        _keys[i] = key;
        _ids[i] = id;
    }

    public void Pop()
    {
        int n = --Count;
        if (n == 0)
        {
            return;
        }

        float key = _keys[n];
        int id = _ids[n];
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && _keys[child + 1] < _keys[child])
            {
                child++;
            }

            if (_keys[child] >= key)
            {
                break;
            }

            _keys[i] = _keys[child];
            _ids[i] = _ids[child];
            i = child;
        }

        _keys[i] = key;
        _ids[i] = id;
    }

    /// <summary>Empties the heap into <paramref name="destination"/>, best (highest key) first.</summary>
    public int DrainBestFirst(Span<(float Goodness, int Slot)> destination)
    {
        int n = Count;
        for (int i = n - 1; i >= 0; i--)
        {
            destination[i] = (_keys[0], _ids[0]);
            Pop();
        }

        return n;
    }
}
