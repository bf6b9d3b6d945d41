namespace Llm.Stack.VectorIndex;

/// <content>Compaction: repairs the lists that pointed at removed nodes and renumbers the graph with the column's slots.</content>
internal sealed partial class HnswGraph
{
    /// <summary>Repairs the lists that point at removed nodes and renumbers the graph (exclusive access).</summary>
    /// <param name="newId">The new id of each old node, -1 for a removed one.</param>
    /// <param name="count">The number of nodes kept.</param>
    public void Compact(int[] newId, int count)
    {
        int oldCount = newId.Length;
        SearchScratch scratch = t_scratch ??= new SearchScratch();
        var pool = new List<int>();
        var seen = new HashSet<int>();

        // Repair: a kept node that links to removed nodes gets its list rebuilt from its kept neighbours and the kept
        // neighbours of those removed nodes (two hops through the tombstone), chosen by the same heuristic as inserts.
        for (int node = 0; node < oldCount; node++)
        {
            if (newId[node] < 0)
            {
                continue;
            }

            for (int l = 0; l <= _levels[node]; l++)
            {
                Span<int> links = Links(node, l);
                int n = links[0];
                bool touched = false;
                for (int i = 1; i <= n; i++)
                {
                    touched |= newId[links[i]] < 0;
                }

                if (!touched)
                {
                    continue;
                }

                pool.Clear();
                seen.Clear();
                _ = seen.Add(node);
                for (int i = 1; i <= n; i++)
                {
                    int neighbour = links[i];
                    if (newId[neighbour] >= 0)
                    {
                        if (seen.Add(neighbour))
                        {
                            pool.Add(neighbour);
                        }

                        continue;
                    }

                    if (_levels[neighbour] < l)
                    {
                        continue;
                    }

                    Span<int> second = Links(neighbour, l);
                    for (int j = 1; j <= second[0]; j++)
                    {
                        int candidate = second[j];
                        if (newId[candidate] >= 0 && _levels[candidate] >= l && seen.Add(candidate))
                        {
                            pool.Add(candidate);
                        }
                    }
                }

                ReadOnlySpan<float> vector = _column.Row(node);
                float norm = _column.Norms[node];
                Span<(float Goodness, int Slot)> candidates = scratch.Candidates(pool.Count);
                for (int i = 0; i < pool.Count; i++)
                {
                    candidates[i] = (Goodness(vector, norm, pool[i]), pool[i]);
                }

                candidates = candidates[..pool.Count];
                candidates.Sort(static (a, b) => b.Goodness.CompareTo(a.Goodness) is int c && c != 0 ? c : a.Slot.CompareTo(b.Slot));
                int capacity = l == 0 ? M0 : M;
                int[] selected = scratch.Selected;
                int kept = SelectNeighbours(candidates, capacity, selected);
                links[0] = kept;
                selected.AsSpan(0, kept).CopyTo(links[1..]);
            }
        }

        // New entry point when the old one is removed: the kept node with the highest level (lowest id among equals).
        int entry = EntryPoint;
        if (entry >= 0 && newId[entry] < 0)
        {
            entry = -1;
            int top = -1;
            for (int node = 0; node < oldCount; node++)
            {
                if (newId[node] >= 0 && _levels[node] > top)
                {
                    top = _levels[node];
                    entry = node;
                }
            }

            MaxLevel = top;
        }

        // Renumber: nodes move down in order (newId[node] <= node), so rewriting in place is safe.
        for (int node = 0; node < oldCount; node++)
        {
            int to = newId[node];
            if (to < 0)
            {
                continue;
            }

            for (int l = 0; l <= _levels[node]; l++)
            {
                Span<int> links = Links(node, l);
                for (int i = 1; i <= links[0]; i++)
                {
                    links[i] = newId[links[i]];
                }
            }

            if (to != node)
            {
                _links0.AsSpan(node * Stride0, Stride0).CopyTo(_links0.AsSpan(to * Stride0, Stride0));
                _upper[to] = _upper[node];
                _levels[to] = _levels[node];
            }
        }

        for (int node = count; node < oldCount; node++)
        {
            _links0[node * Stride0] = 0;
            _upper[node] = null;
            _levels[node] = 0;
        }

        EntryPoint = entry < 0 ? -1 : newId[entry];
        if (EntryPoint < 0)
        {
            MaxLevel = -1;
        }
    }
}
