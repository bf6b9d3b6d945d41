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
        Quantization = spec.Quantization;
        Words = (Dimensions + 63) / 64;
        Codes = Quantization == VectorQuantization.Int8 ? new sbyte[(long)capacity * Dimensions] : [];
        Scales = Quantization == VectorQuantization.Int8 ? new float[capacity] : [];
        CodeSums = Quantization == VectorQuantization.Int8 ? new int[capacity] : [];
        Bits = Quantization == VectorQuantization.Binary ? new ulong[(long)capacity * Words] : [];
        Graph = spec.Hnsw is HnswParameters hnsw ? new HnswGraph(this, hnsw, capacity) : null;
    }

    /// <summary>Gets the HNSW graph over the rows when the column's index kind is HNSW.</summary>
    public HnswGraph? Graph { get; }

    public VectorQuantization Quantization { get; }

    /// <summary>Gets the number of 64-bit words of one binary code.</summary>
    public int Words { get; }

    /// <summary>Gets the int8 codes (row-major like <see cref="Data"/>) when <see cref="Quantization"/> is Int8.</summary>
    public sbyte[] Codes { get; private set; }

    /// <summary>Gets the per-row int8 scales.</summary>
    public float[] Scales { get; private set; }

    /// <summary>Gets the per-row sums of the int8 codes (the correction term of <see cref="QuantizedKernels.DotBiased(ReadOnlySpan{byte}, ReadOnlySpan{sbyte})"/>).</summary>
    public int[] CodeSums { get; private set; }

    /// <summary>Gets the packed sign bits (<see cref="Words"/> per row) when <see cref="Quantization"/> is Binary.</summary>
    public ulong[] Bits { get; private set; }

    public VectorColumnSpec Spec { get; }

    public int Dimensions { get; }

    public float[] Data { get; private set; }

    public float[] Norms { get; private set; }

    public bool[] Present { get; private set; }

    /// <summary>Gets or sets the id of the embedding model that produced the stored vectors, when known.</summary>
    public string? EmbeddingModelId { get; set; }

    public void Resize(int capacity)
    {
        Graph?.Resize(capacity);
        var data = new float[(long)capacity * Dimensions];
        Array.Copy(Data, data, Math.Min(Data.LongLength, data.LongLength));
        Data = data;
        var norms = new float[capacity];
        Array.Copy(Norms, norms, Math.Min(Norms.Length, capacity));
        Norms = norms;
        var present = new bool[capacity];
        Array.Copy(Present, present, Math.Min(Present.Length, capacity));
        Present = present;
        if (Quantization == VectorQuantization.Int8)
        {
            var codes = new sbyte[(long)capacity * Dimensions];
            Array.Copy(Codes, codes, Math.Min(Codes.LongLength, codes.LongLength));
            Codes = codes;
            var scales = new float[capacity];
            Array.Copy(Scales, scales, Math.Min(Scales.Length, capacity));
            Scales = scales;
            var sums = new int[capacity];
            Array.Copy(CodeSums, sums, Math.Min(CodeSums.Length, capacity));
            CodeSums = sums;
        }
        else if (Quantization == VectorQuantization.Binary)
        {
            var bits = new ulong[(long)capacity * Words];
            Array.Copy(Bits, bits, Math.Min(Bits.LongLength, bits.LongLength));
            Bits = bits;
        }
    }

    /// <summary>Recomputes the codes of rows <c>[0, count)</c> from the float rows (after loading a snapshot).</summary>
    public void RebuildCodes(int count)
    {
        for (int slot = 0; slot < count; slot++)
        {
            Encode(slot);
        }
    }

    private void Encode(int slot)
    {
        if (Quantization == VectorQuantization.Int8)
        {
            Scales[slot] = QuantizedKernels.EncodeInt8(Row(slot), Codes.AsSpan(slot * Dimensions, Dimensions));
            CodeSums[slot] = QuantizedKernels.Sum(Codes.AsSpan(slot * Dimensions, Dimensions));
        }
        else if (Quantization == VectorQuantization.Binary)
        {
            QuantizedKernels.EncodeBinary(Row(slot), Bits.AsSpan(slot * Words, Words));
        }
    }

    public Span<float> Row(int slot) => Data.AsSpan(slot * Dimensions, Dimensions);

    public void Set(int slot, ReadOnlySpan<float> vector)
    {
        vector.CopyTo(Row(slot));
        Norms[slot] = MathF.Sqrt(VectorKernels.SumOfSquares(vector));
        Present[slot] = true;
        Encode(slot);
    }

    public void Clear(int slot)
    {
        Row(slot).Clear();
        Norms[slot] = 0;
        Present[slot] = false;
        if (Quantization == VectorQuantization.Int8)
        {
            Codes.AsSpan(slot * Dimensions, Dimensions).Clear();
            Scales[slot] = 0;
            CodeSums[slot] = 0;
        }
        else if (Quantization == VectorQuantization.Binary)
        {
            Bits.AsSpan(slot * Words, Words).Clear();
        }
    }

    /// <summary>Deletes the row of a deleted record: cleared, or for a graph column kept as a tombstone the graph still passes through until compaction.</summary>
    public void Delete(int slot)
    {
        if (Graph is null)
        {
            Clear(slot);
        }
        else
        {
            Present[slot] = false;
        }
    }

    /// <summary>Moves row <paramref name="from"/> to row <paramref name="to"/> (compaction).</summary>
    public void Move(int from, int to)
    {
        Row(from).CopyTo(Row(to));
        Norms[to] = Norms[from];
        Present[to] = Present[from];
        if (Quantization == VectorQuantization.Int8)
        {
            Codes.AsSpan(from * Dimensions, Dimensions).CopyTo(Codes.AsSpan(to * Dimensions, Dimensions));
            Scales[to] = Scales[from];
            CodeSums[to] = CodeSums[from];
        }
        else if (Quantization == VectorQuantization.Binary)
        {
            Bits.AsSpan(from * Words, Words).CopyTo(Bits.AsSpan(to * Words, Words));
        }
    }
}
