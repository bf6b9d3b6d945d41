using System.Runtime.CompilerServices;

namespace Llm.Stack.VectorIndex;

/// <content>Per-thread scratch state of searches and inserts: visited marks and candidate buffers.</content>
internal sealed partial class HnswGraph
{
    /// <summary>Marks visited nodes with a generation number, so resetting costs nothing per search.</summary>
    private sealed class VisitedSet
    {
        private int[] _marks = [];
        private int _generation;

        public void Reset(int capacity)
        {
            if (_marks.Length < capacity)
            {
                _marks = new int[capacity];
                _generation = 0;
            }

            if (++_generation == int.MaxValue)
            {
                Array.Clear(_marks);
                _generation = 1;
            }
        }

        public void Mark(int node) => _marks[node] = _generation;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryMark(int node)
        {
            ref int mark = ref _marks[node];
            if (mark == _generation)
            {
                return false;
            }

            mark = _generation;
            return true;
        }
    }

    /// <summary>Per-thread reusable buffers of a search or insert.</summary>
    private sealed class SearchScratch
    {
        private (float, int)[] _candidates = new (float, int)[256];
        private (float, int)[] _shrink = new (float, int)[64];
        private int[] _copy = new int[64];
        private int[] _fresh = new int[64];
        private byte[] _queryCodes = [];

        public HnswHeap Queue { get; } = new(256);

        public HnswHeap Results { get; } = new(256);

        public int[] Selected { get; private set; } = new int[256];

        public int[] ShrinkSelected { get; private set; } = new int[256];

        public Span<(float Goodness, int Slot)> Candidates(int n)
        {
            if (_candidates.Length < n)
            {
                _candidates = new (float, int)[n * 2];
            }

            if (Selected.Length < n)
            {
                Selected = new int[n * 2];
            }

            return _candidates.AsSpan(0, n);
        }

        public Span<(float Goodness, int Slot)> Shrink(int n)
        {
            if (_shrink.Length < n)
            {
                _shrink = new (float, int)[n * 2];
            }

            if (ShrinkSelected.Length < n)
            {
                ShrinkSelected = new int[n * 2];
            }

            return _shrink.AsSpan(0, n);
        }

        public Span<int> Fresh(int n)
        {
            if (_fresh.Length < n)
            {
                _fresh = new int[n * 2];
            }

            return _fresh.AsSpan(0, n);
        }

        /// <summary>Gets a buffer for the int8 codes of a query of <paramref name="n"/> dimensions.</summary>
        public Span<byte> QueryCodes(int n)
        {
            if (_queryCodes.Length < n)
            {
                _queryCodes = new byte[n];
            }

            return _queryCodes.AsSpan(0, n);
        }

        public Span<int> Copy0(int n)
        {
            if (_copy.Length < n)
            {
                _copy = new int[n * 2];
            }

            return _copy.AsSpan(0, n);
        }
    }
}
