namespace Llm.Stack.VectorIndex;

/// <summary>
/// The vectors of one vector property: one contiguous fixed-stride float buffer (row <c>i</c> at
/// <c>i * Dimensions</c>), the precomputed Euclidean norm of each row and a presence flag per row.
/// </summary>
/// <remarks>Not thread-safe by itself; <see cref="CollectionData"/> guards it with its lock.</remarks>
internal sealed class VectorColumn
{
    public VectorColumn(VectorColumnSpec spec, int capacity)
    {
        Spec = spec;
        Dimensions = spec.Dimensions;
        Data = new float[(long)capacity * Dimensions];
        Norms = new float[capacity];
        Present = new bool[capacity];
    }

    public VectorColumnSpec Spec { get; }

    public int Dimensions { get; }

    public float[] Data { get; private set; }

    public float[] Norms { get; private set; }

    public bool[] Present { get; private set; }

    /// <summary>Gets or sets the id of the embedding model that produced the stored vectors, when known.</summary>
    public string? EmbeddingModelId { get; set; }

    public void Resize(int capacity)
    {
        var data = new float[(long)capacity * Dimensions];
        Array.Copy(Data, data, Math.Min(Data.LongLength, data.LongLength));
        Data = data;
        var norms = new float[capacity];
        Array.Copy(Norms, norms, Math.Min(Norms.Length, capacity));
        Norms = norms;
        var present = new bool[capacity];
        Array.Copy(Present, present, Math.Min(Present.Length, capacity));
        Present = present;
    }

    public Span<float> Row(int slot) => Data.AsSpan(slot * Dimensions, Dimensions);

    public void Set(int slot, ReadOnlySpan<float> vector)
    {
        vector.CopyTo(Row(slot));
        Norms[slot] = MathF.Sqrt(VectorKernels.SumOfSquares(vector));
        Present[slot] = true;
    }

    public void Clear(int slot)
    {
        Row(slot).Clear();
        Norms[slot] = 0;
        Present[slot] = false;
    }

    /// <summary>Moves row <paramref name="from"/> to row <paramref name="to"/> (compaction).</summary>
    public void Move(int from, int to)
    {
        Row(from).CopyTo(Row(to));
        Norms[to] = Norms[from];
        Present[to] = Present[from];
    }
}
