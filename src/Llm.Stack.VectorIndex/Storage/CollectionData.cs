namespace Llm.Stack.VectorIndex;

/// <summary>
/// The stored state of one collection: dense slots holding key, per-record values and one row in each vector
/// column; a key → slot map; deleted slots are tombstones (values <see langword="null"/>) until compaction.
/// </summary>
/// <remarks>
/// Thread-safety: every read holds <see cref="Lock"/> in read mode and every write in write mode, so a reader never
/// sees a torn vector or a half-applied batch. Nothing awaits while holding the lock.
/// </remarks>
internal sealed class CollectionData
{
    private const int InitialCapacity = 16;

    private readonly Dictionary<object, int> _slotOf;

    public CollectionData(string name, CollectionSchema schema, int capacity = InitialCapacity)
    {
        Name = name;
        Schema = schema;
        _slotOf = new Dictionary<object, int>(capacity);
        Keys = new object?[capacity];
        Values = new object?[]?[capacity];
        Columns = new VectorColumn[schema.Vectors.Length];
        for (int i = 0; i < Columns.Length; i++)
        {
            Columns[i] = new VectorColumn(schema.Vectors[i], capacity);
            HasGraph |= Columns[i].Graph is not null;
        }

        TextIndexes = new Bm25Index<object>?[schema.Data.Length];
        for (int i = 0; i < schema.Data.Length; i++)
        {
            if (schema.Data[i].IsFullTextIndexed && schema.Data[i].Type == typeof(string))
            {
                TextIndexes[i] = new Bm25Index<object>();
            }
        }
    }

    /// <summary>Gets, per data column, the BM25 index of a full-text-indexed string column (else <see langword="null"/>), kept in step with every write.</summary>
    public Bm25Index<object>?[] TextIndexes { get; }

    public string Name { get; }

    public ReaderWriterLockSlim Lock { get; } = new(LockRecursionPolicy.NoRecursion);

    public CollectionSchema Schema { get; }

    public object?[] Keys { get; private set; }

    /// <summary>Gets the per-slot values; <see langword="null"/> marks a free or deleted slot (a tombstone).</summary>
    public object?[]?[] Values { get; private set; }

    public VectorColumn[] Columns { get; }

    /// <summary>Gets the number of slots in use (live and tombstones); scans run over <c>[0, HighWater)</c>.</summary>
    public int HighWater { get; private set; }

    /// <summary>Gets the number of live records.</summary>
    public int Count => _slotOf.Count;

    /// <summary>Gets the number of tombstones waiting for compaction.</summary>
    public int Tombstones => HighWater - _slotOf.Count;

    /// <summary>Gets a number that changes on every write (for change detection and debounced saving).</summary>
    public long Version { get; private set; }

    /// <summary>Gets the capacity of the slot arrays.</summary>
    public int Capacity => Keys.Length;

    public bool TryGetSlot(object key, out int slot) => _slotOf.TryGetValue(key, out slot);

    /// <summary>Stores a record (caller holds the write lock and has validated everything).</summary>
    /// <param name="key">The normalized key.</param>
    /// <param name="values">The record's values, laid out as <see cref="CollectionSchema.ValueCount"/>.</param>
    /// <param name="vectors">One vector per vector column, <see langword="null"/> when the record has none.</param>
    public void Upsert(object key, object?[] values, float[]?[] vectors)
        => Upsert(key, values, vectors, linkNow: true);

    /// <summary>Stores a record; with <paramref name="linkNow"/> <see langword="false"/> the caller links the slot into the graphs itself (a bulk build).</summary>
    /// <returns>The record's slot.</returns>
    public int Upsert(object key, object?[] values, float[]?[] vectors, bool linkNow)
    {
        // A graph node's vector never changes in place: an updated record moves to a new slot and its old node becomes a tombstone.
        if (HasGraph && _slotOf.ContainsKey(key))
        {
            _ = Remove(key);
        }

        if (!_slotOf.TryGetValue(key, out int slot))
        {
            if (HighWater == Keys.Length)
            {
                Grow(Keys.Length * 2);
            }

            slot = HighWater++;
            _slotOf.Add(key, slot);
            Keys[slot] = key;
        }

        Values[slot] = values;
        IndexText(key, values);
        for (int c = 0; c < Columns.Length; c++)
        {
            if (vectors[c] is float[] v)
            {
                Columns[c].Set(slot, v);
                if (linkNow && Columns[c].Graph is HnswGraph graph)
                {
                    graph.Insert(slot, graph.DrawLevel(), concurrent: false);
                }
            }
            else
            {
                Columns[c].Clear(slot);
            }
        }

        Version++;
        return slot;
    }

    /// <summary>Gets whether a vector column is indexed by an HNSW graph.</summary>
    public bool HasGraph { get; }

    /// <summary>Appends a loaded record to the next slot without touching vectors (snapshot loading, before publication).</summary>
    /// <returns><see langword="false"/> when the key is already present.</returns>
    public bool AppendLoaded(object key, object?[] values)
    {
        if (!_slotOf.TryAdd(key, HighWater))
        {
            return false;
        }

        Keys[HighWater] = key;
        Values[HighWater] = values;
        HighWater++;
        IndexText(key, values);
        return true;
    }

    private void IndexText(object key, object?[] values)
    {
        for (int i = 0; i < TextIndexes.Length; i++)
        {
            if (TextIndexes[i] is Bm25Index<object> index)
            {
                if (values[i] is string { Length: > 0 } text)
                {
                    index.Upsert(key, text);
                }
                else
                {
                    _ = index.Remove(key);
                }
            }
        }
    }

    /// <summary>Describes the collection (caller holds the read lock).</summary>
    public InMemoryCollectionInfo Describe()
        => Snapshot.Info(Name, Schema, Count, [.. Columns.Select(c => c.EmbeddingModelId)]);

    /// <summary>Deletes a record, leaving a tombstone (caller holds the write lock).</summary>
    public bool Remove(object key)
    {
        if (!_slotOf.Remove(key, out int slot))
        {
            return false;
        }

        Values[slot] = null;
        Keys[slot] = null;
        foreach (VectorColumn column in Columns)
        {
            column.Delete(slot);
        }

        foreach (Bm25Index<object>? index in TextIndexes)
        {
            _ = index?.Remove(key);
        }

        Version++;
        return true;
    }

    /// <summary>Compacts when tombstones exceed a quarter of the slots (caller holds the write lock).</summary>
    public void CompactIfWorthwhile()
    {
        if (Tombstones > 64 && Tombstones * 4 > HighWater)
        {
            Compact();
        }
    }

    /// <summary>Moves live slots down over the tombstones, keeping their order (caller holds the write lock).</summary>
    public void Compact()
    {
        if (HasGraph)
        {
            var newId = new int[HighWater];
            int next = 0;
            for (int slot = 0; slot < HighWater; slot++)
            {
                newId[slot] = Values[slot] is null ? -1 : next++;
            }

            foreach (VectorColumn column in Columns)
            {
                column.Graph?.Compact(newId, next);
            }
        }

        int to = 0;
        for (int from = 0; from < HighWater; from++)
        {
            if (Values[from] is null)
            {
                continue;
            }

            if (from != to)
            {
                Keys[to] = Keys[from];
                Values[to] = Values[from];
                foreach (VectorColumn column in Columns)
                {
                    column.Move(from, to);
                }

                _slotOf[Keys[to]!] = to;
            }

            to++;
        }

        for (int s = to; s < HighWater; s++)
        {
            Keys[s] = null;
            Values[s] = null;
            foreach (VectorColumn column in Columns)
            {
                column.Clear(s);
            }
        }

        HighWater = to;
        Version++;
    }

    /// <summary>Ensures room for <paramref name="additional"/> more slots (caller holds the write lock).</summary>
    public void Reserve(int additional)
    {
        long needed = (long)HighWater + additional;
        if (needed > Keys.Length)
        {
            Grow((int)Math.Min(Array.MaxLength, Math.Max(needed, Keys.Length * 2L)));
        }
    }

    private void Grow(int capacity)
    {
        var keys = new object?[capacity];
        Array.Copy(Keys, keys, HighWater);
        Keys = keys;
        var values = new object?[]?[capacity];
        Array.Copy(Values, values, HighWater);
        Values = values;
        foreach (VectorColumn column in Columns)
        {
            column.Resize(capacity);
        }
    }
}
