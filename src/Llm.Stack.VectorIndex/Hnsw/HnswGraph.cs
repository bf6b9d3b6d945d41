using System.Runtime.CompilerServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// A hierarchical navigable small world graph (Malkov and Yashunin, 2016) over the rows of one <see cref="VectorColumn"/>,
/// laid out as hnswlib does: node ids are the column's dense slots, level-0 neighbour lists live inline in one
/// fixed-stride <see cref="int"/> array (<c>[count, n1 … n2M]</c> per node), upper levels in one small array per node
/// that has them. Vectors are not copied: distances read the column's rows and norms.
/// </summary>
/// <remarks>
/// <para>Deleted nodes stay in the graph as tombstones (their vector and links are kept so searches still pass through
/// them) and are never returned; <see cref="Compact"/> repairs the lists that pointed at them and renumbers the nodes
/// together with the column's slots.</para>
/// <para>Thread-safety: <see cref="Search"/> may run on many threads at once while no insert runs (the collection's
/// read lock). <see cref="Insert"/> with <c>concurrent: true</c> may run on many threads at once (a parallel bulk build):
/// each neighbour list is then read and written under a striped lock. Everything else needs exclusive access.</para>
/// </remarks>
internal sealed partial class HnswGraph
{
    private const int Stripes = 1024;

    /// <summary>How many first nodes of a graph a parallel build inserts on one thread.</summary>
    private const int SequentialSeed = 1024;

    [ThreadStatic]
    private static VisitedSet? t_visited;

    [ThreadStatic]
    private static SearchScratch? t_scratch;

    private readonly VectorColumn _column;
    private readonly DistanceKind _kind;
    private readonly double _levelMultiplier;
    private readonly Lock[] _stripes;
    private readonly Lock _entryLock = new();
    private Random _random;
    private int[] _links0;
    private int[]?[] _upper;
    private byte[] _levels;

    public HnswGraph(VectorColumn column, HnswParameters parameters, int capacity)
    {
        _column = column;
        _kind = column.Spec.Distance;
        Parameters = parameters;
        M = parameters.M;
        M0 = 2 * parameters.M;
        Stride0 = M0 + 1;
        _levelMultiplier = 1 / Math.Log(Math.Max(2, M));
        _random = new Random(parameters.Seed);
        _links0 = new int[(long)capacity * Stride0];
        _upper = new int[]?[capacity];
        _levels = new byte[capacity];
        _stripes = new Lock[Stripes];
        for (int i = 0; i < Stripes; i++)
        {
            _stripes[i] = new Lock();
        }
    }

    public HnswParameters Parameters { get; }

    /// <summary>Gets the maximum number of neighbours per node on the upper levels.</summary>
    public int M { get; }

    /// <summary>Gets the maximum number of neighbours per node on level 0 (2M, as in hnswlib).</summary>
    public int M0 { get; }

    /// <summary>Gets the number of <see cref="int"/>s per node in the level-0 link array.</summary>
    public int Stride0 { get; }

    /// <summary>Gets the entry point (a node on the top level), or -1 for an empty graph.</summary>
    public int EntryPoint { get; private set; } = -1;

    /// <summary>Gets the top level of the graph (-1 when empty).</summary>
    public int MaxLevel { get; private set; } = -1;

    /// <summary>Gets the level-0 links (<see cref="Stride0"/> ints per node).</summary>
    internal int[] Links0 => _links0;

    /// <summary>Gets the upper-level links of each node (<c>level × (M + 1)</c> ints), <see langword="null"/> for level-0 nodes.</summary>
    internal int[]?[] Upper => _upper;

    /// <summary>Gets the top level of each node.</summary>
    internal byte[] Levels => _levels;

    /// <summary>Gets the bytes the graph holds per node slot (links only; vectors are the column's).</summary>
    public long LinkBytes
    {
        get
        {
            long bytes = (long)_links0.Length * sizeof(int) + _levels.Length;
            foreach (int[]? upper in _upper)
            {
                bytes += upper is null ? 0 : (upper.Length * sizeof(int)) + 24;
            }

            return bytes;
        }
    }

    public void Resize(int capacity)
    {
        Array.Resize(ref _links0, capacity * Stride0);
        Array.Resize(ref _upper, capacity);
        Array.Resize(ref _levels, capacity);
    }

    /// <summary>Draws the level of a new node from the seeded generator (exclusive access).</summary>
    public int DrawLevel()
        => Math.Min(byte.MaxValue - 1, (int)(-Math.Log(1 - _random.NextDouble()) * _levelMultiplier));

    /// <summary>Inserts the node <paramref name="slot"/>, whose vector is already in the column.</summary>
    /// <param name="slot">The node.</param>
    /// <param name="level">Its level, from <see cref="DrawLevel"/>.</param>
    /// <param name="concurrent">Whether other inserts run at the same time (locks each neighbour list it reads or writes).</param>
    public void Insert(int slot, int level, bool concurrent)
    {
        _levels[slot] = (byte)level;
        _upper[slot] = level > 0 ? new int[level * (M + 1)] : null;
        _links0[slot * Stride0] = 0;
        ReadOnlySpan<float> vector = _column.Row(slot);
        float norm = _column.Norms[slot];

        bool holdingEntry = false;
        if (concurrent)
        {
            _entryLock.Enter();
            holdingEntry = true;
        }

        try
        {
            int entry = EntryPoint;
            int maxLevel = MaxLevel;
            if (entry < 0)
            {
                EntryPoint = slot;
                MaxLevel = level;
                return;
            }

            // A node that raises the top level keeps the entry lock until it is linked, so no one enters through it half-built.
            if (holdingEntry && level <= maxLevel)
            {
                _entryLock.Exit();
                holdingEntry = false;
            }

            var scorer = new FloatScorer(this, vector, norm);
            int current = entry;
            float best = scorer.Score(current);
            for (int l = maxLevel; l > level; l--)
            {
                (current, best) = Greedy(ref scorer, current, best, l, concurrent);
            }

            SearchScratch scratch = t_scratch ??= new SearchScratch();
            for (int l = Math.Min(level, maxLevel); l >= 0; l--)
            {
                HnswHeap found = SearchLayer(ref scorer, current, best, Parameters.EfConstruction, l, accept: null, concurrent, scratch);
                int n = found.Count;
                Span<(float Goodness, int Slot)> candidates = scratch.Candidates(n);
                _ = found.DrainBestFirst(candidates);
                current = candidates[0].Slot;
                best = candidates[0].Goodness;
                int capacity = l == 0 ? M0 : M;
                int[] selected = scratch.Selected;
                int count = SelectNeighbours(candidates[..n], M, selected);
                Span<int> own = Links(slot, l);
                LockNode(slot, concurrent);
                try
                {
                    own[0] = count;
                    selected.AsSpan(0, count).CopyTo(own[1..]);
                }
                finally
                {
                    UnlockNode(slot, concurrent);
                }

                for (int i = 0; i < count; i++)
                {
                    Connect(selected[i], slot, l, capacity, concurrent, scratch);
                }
            }

            if (level > maxLevel)
            {
                EntryPoint = slot;
                MaxLevel = level;
            }
        }
        finally
        {
            if (holdingEntry)
            {
                _entryLock.Exit();
            }
        }
    }

    /// <summary>Inserts the present rows of slots <c>[first, end)</c>, in parallel over up to <paramref name="maxDegreeOfParallelism"/> cores.</summary>
    /// <remarks>
    /// Levels are drawn in slot order from the seeded generator, so they never depend on the degree of parallelism; with
    /// one core the graph is the one sequential inserts build. In parallel, the first nodes of an empty graph are inserted
    /// on one thread so that the others start from a connected graph. Needs exclusive access to the graph.
    /// </remarks>
    public void Build(int first, int end, int maxDegreeOfParallelism)
    {
        bool[] present = _column.Present;
        int[] levels = new int[end - first];
        for (int slot = first; slot < end; slot++)
        {
            levels[slot - first] = present[slot] ? DrawLevel() : -1;
        }

        int sequentialEnd = maxDegreeOfParallelism <= 1 ? end : Math.Min(end, first + Math.Max(0, SequentialSeed - Math.Max(0, first)));
        for (int slot = first; slot < sequentialEnd; slot++)
        {
            if (levels[slot - first] >= 0)
            {
                Insert(slot, levels[slot - first], concurrent: false);
            }
        }

        if (sequentialEnd < end)
        {
            Parallel.For(sequentialEnd, end, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, slot =>
            {
                if (levels[slot - first] >= 0)
                {
                    Insert(slot, levels[slot - first], concurrent: true);
                }
            });
        }
    }

    /// <summary>Builds the graph over the present rows of slots <c>[0, count)</c> of an empty graph.</summary>
    public void Build(int count, int maxDegreeOfParallelism) => Build(0, count, maxDegreeOfParallelism);

    /// <summary>Finds the best <paramref name="k"/> accepted nodes for a query (no insert may run at the same time).</summary>
    /// <param name="query">The query vector.</param>
    /// <param name="queryNorm">Its Euclidean norm.</param>
    /// <param name="k">The number of results wanted.</param>
    /// <param name="ef">The size of the dynamic candidate list (at least <paramref name="k"/> is used).</param>
    /// <param name="accept">Which nodes may be returned: live ones passing the filter. Rejected nodes are still traversed.</param>
    /// <returns>The results, best first, with exact float32 goodness.</returns>
    /// <remarks>
    /// On an int8 column the walk scores nodes by their codes, and the <paramref name="ef"/> accepted candidates it ends
    /// with are rescored with the float32 rows: the returned scores are exact and only the candidate set is approximate.
    /// </remarks>
    public (float Goodness, int Slot)[] Search(ReadOnlySpan<float> query, float queryNorm, int k, int ef, Func<int, bool> accept)
    {
        if (EntryPoint < 0)
        {
            return [];
        }

        SearchScratch scratch = t_scratch ??= new SearchScratch();
        ef = Math.Max(ef, k);
        if (_column.Quantization != VectorQuantization.Int8)
        {
            var scorer = new FloatScorer(this, query, queryNorm);
            HnswHeap found = Walk(ref scorer, ef, accept, scratch);
            while (found.Count > k)
            {
                found.Pop();
            }

            var results = new (float Goodness, int Slot)[found.Count];
            _ = found.DrainBestFirst(results);
            return results;
        }

        Span<byte> codes = scratch.QueryCodes(_column.Dimensions);
        float scale = QuantizedKernels.EncodeQueryInt8(query, codes);
        var coarse = new Int8Scorer(_column, codes, scale, queryNorm);
        HnswHeap candidates = Walk(ref coarse, ef, accept, scratch);
        TopK exact = TopK.ForThread(0, k);
        for (int i = 0; i < candidates.Count; i++)
        {
            int slot = candidates.IdAt(i);
            exact.Add(Goodness(query, queryNorm, slot), slot);
        }

        return exact.ToSortedArray();
    }

    /// <summary>Descends greedily from the entry point to level 1, then searches level 0 with <paramref name="ef"/> candidates.</summary>
    private HnswHeap Walk<TScorer>(ref TScorer scorer, int ef, Func<int, bool> accept, SearchScratch scratch)
        where TScorer : INodeScorer, allows ref struct
    {
        int current = EntryPoint;
        float best = scorer.Score(current);
        for (int l = MaxLevel; l > 0; l--)
        {
            (current, best) = Greedy(ref scorer, current, best, l, concurrent: false);
        }

        return SearchLayer(ref scorer, current, best, ef, 0, accept, concurrent: false, scratch);
    }

    /// <summary>Restores a graph read from a snapshot (the arrays were filled by the reader).</summary>
    public void Restore(int entryPoint, int maxLevel)
    {
        EntryPoint = entryPoint;
        MaxLevel = maxLevel;
    }

    /// <summary>Resets the level generator (a rebuilt graph draws the same levels as the original inserts would).</summary>
    public void ResetRandom() => _random = new Random(Parameters.Seed);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<int> Links(int node, int level)
        => level == 0 ? _links0.AsSpan(node * Stride0, Stride0) : _upper[node].AsSpan((level - 1) * (M + 1), M + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Goodness(ReadOnlySpan<float> vector, float norm, int node)
        => FlatSearch.Goodness(_kind, vector, _column.Row(node), norm, _column.Norms[node]);

    private (int Node, float Goodness) Greedy<TScorer>(ref TScorer scorer, int current, float best, int level, bool concurrent)
        where TScorer : INodeScorer, allows ref struct
    {
        Span<int> copy = stackalloc int[M + 1];
        bool changed = true;
        while (changed)
        {
            changed = false;
            ReadOnlySpan<int> links = ReadLinks(current, level, concurrent, copy);
            for (int i = 1; i <= links[0]; i++)
            {
                int candidate = links[i];
                float g = scorer.Score(candidate);
                if (g > best)
                {
                    best = g;
                    current = candidate;
                    changed = true;
                }
            }
        }

        return (current, best);
    }

    private HnswHeap SearchLayer<TScorer>(
        ref TScorer scorer, int entry, float entryGoodness, int ef, int level, Func<int, bool>? accept, bool concurrent, SearchScratch scratch)
        where TScorer : INodeScorer, allows ref struct
    {
        VisitedSet visited = t_visited ??= new VisitedSet();
        visited.Reset(_levels.Length);
        HnswHeap candidates = scratch.Queue;
        HnswHeap results = scratch.Results;
        candidates.Clear();
        results.Clear();
        Span<int> copy = level == 0 ? scratch.Copy0(Stride0) : scratch.Copy0(M + 1);
        Span<int> fresh = scratch.Fresh(Stride0);
        visited.Mark(entry);
        candidates.Push(-entryGoodness, entry);
        float lowerBound = float.NegativeInfinity;
        if (accept is null || accept(entry))
        {
            results.Push(entryGoodness, entry);
            lowerBound = entryGoodness;
        }

        while (candidates.Count > 0)
        {
            float g = -candidates.TopKey;
            if (g < lowerBound && results.Count >= ef)
            {
                break;
            }

            int current = candidates.TopId;
            candidates.Pop();
            ReadOnlySpan<int> links = ReadLinks(current, level, concurrent, copy);

            // The unvisited neighbours first, then their distances with the next one's row prefetched: the rows are
            // scattered in memory, and a row's loads in flight while the previous row is scored hide most of the latency.
            int n = 0;
            for (int i = 1; i <= links[0]; i++)
            {
                int neighbour = links[i];
                if (visited.TryMark(neighbour))
                {
                    fresh[n++] = neighbour;
                }
            }

            if (n > 0)
            {
                scorer.Prefetch(fresh[0]);
            }

            for (int i = 0; i < n; i++)
            {
                int neighbour = fresh[i];
                if (i + 1 < n)
                {
                    scorer.Prefetch(fresh[i + 1]);
                }

                float gn = scorer.Score(neighbour);
                if (results.Count < ef || gn > lowerBound)
                {
                    candidates.Push(-gn, neighbour);
                    if (accept is null || accept(neighbour))
                    {
                        results.Push(gn, neighbour);
                        if (results.Count > ef)
                        {
                            results.Pop();
                        }

                        lowerBound = results.TopKey;
                    }
                }
            }
        }

        return results;
    }

    /// <summary>The neighbour selection heuristic (Malkov and Yashunin, algorithm 4, as hnswlib runs it): a candidate is kept only when it is closer to the base than to every neighbour already kept.</summary>
    /// <param name="candidates">Candidates, best first.</param>
    /// <param name="max">The maximum number to keep.</param>
    /// <param name="selected">Receives the kept nodes.</param>
    /// <returns>The number kept.</returns>
    private int SelectNeighbours(ReadOnlySpan<(float Goodness, int Slot)> candidates, int max, int[] selected)
    {
        if (candidates.Length <= max)
        {
            for (int i = 0; i < candidates.Length; i++)
            {
                selected[i] = candidates[i].Slot;
            }

            return candidates.Length;
        }

        int count = 0;
        foreach ((float toBase, int candidate) in candidates)
        {
            if (count >= max)
            {
                break;
            }

            ReadOnlySpan<float> row = _column.Row(candidate);
            float norm = _column.Norms[candidate];
            bool keep = true;
            for (int j = 0; j < count; j++)
            {
                if (Goodness(row, norm, selected[j]) > toBase)
                {
                    keep = false;
                    break;
                }
            }

            if (keep)
            {
                selected[count++] = candidate;
            }
        }

        return count;
    }

    /// <summary>Adds <paramref name="node"/> to the list of <paramref name="target"/>, shrinking it with the heuristic when full.</summary>
    private void Connect(int target, int node, int level, int capacity, bool concurrent, SearchScratch scratch)
    {
        LockNode(target, concurrent);
        try
        {
            Span<int> links = Links(target, level);
            int n = links[0];
            for (int i = 1; i <= n; i++)
            {
                if (links[i] == node)
                {
                    return;
                }
            }

            if (n < capacity)
            {
                links[n + 1] = node;
                links[0] = n + 1;
                return;
            }

            ReadOnlySpan<float> row = _column.Row(target);
            float norm = _column.Norms[target];
            Span<(float Goodness, int Slot)> candidates = scratch.Shrink(n + 1);
            for (int i = 0; i < n; i++)
            {
                candidates[i] = (Goodness(row, norm, links[i + 1]), links[i + 1]);
            }

            candidates[n] = (Goodness(row, norm, node), node);
            candidates.Sort(static (a, b) => b.Goodness.CompareTo(a.Goodness) is int c && c != 0 ? c : a.Slot.CompareTo(b.Slot));
            int[] kept = scratch.ShrinkSelected;
            int count = SelectNeighbours(candidates, capacity, kept);
            links[0] = count;
            kept.AsSpan(0, count).CopyTo(links[1..]);
        }
        finally
        {
            UnlockNode(target, concurrent);
        }
    }

    private ReadOnlySpan<int> ReadLinks(int node, int level, bool concurrent, Span<int> copy)
    {
        Span<int> links = Links(node, level);
        if (!concurrent)
        {
            return links;
        }

        using (_stripes[node & (Stripes - 1)].EnterScope())
        {
            links[..(links[0] + 1)].CopyTo(copy);
        }

        return copy;
    }

    private void LockNode(int node, bool concurrent)
    {
        if (concurrent)
        {
            _stripes[node & (Stripes - 1)].Enter();
        }
    }

    private void UnlockNode(int node, bool concurrent)
    {
        if (concurrent)
        {
            _stripes[node & (Stripes - 1)].Exit();
        }
    }
}
