using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Llm.Stack.VectorIndex;

/// <summary>Kernels over quantized codes: int8 dot products and Hamming distances of packed sign bits.</summary>
internal static class QuantizedKernels
{
    /// <summary>Encodes <paramref name="vector"/> as symmetric int8 codes; returns the scale (value ≈ code × scale).</summary>
    public static float EncodeInt8(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        float max = 0;
        foreach (float v in vector)
        {
            max = MathF.Max(max, MathF.Abs(v));
        }

        if (max == 0)
        {
            codes.Clear();
            return 0;
        }

        float inverse = 127f / max;
        for (int i = 0; i < vector.Length; i++)
        {
            codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127, 127);
        }

        return max / 127f;
    }

    /// <summary>Packs the sign bits of <paramref name="vector"/> (1 for a positive component).</summary>
    public static void EncodeBinary(ReadOnlySpan<float> vector, Span<ulong> bits)
    {
        bits.Clear();
        for (int i = 0; i < vector.Length; i++)
        {
            if (vector[i] > 0)
            {
                bits[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    /// <summary>Computes the integer dot product of two equally long int8 code vectors.</summary>
    public static int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        ref sbyte xr = ref MemoryMarshal.GetReference(x);
        ref sbyte yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int i = 0;
        int sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<sbyte>.Count)
        {
            Vector256<int> a0 = Vector256<int>.Zero, a1 = a0;
            for (; i <= n - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                (Vector256<short> xl, Vector256<short> xh) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
                (Vector256<short> yl, Vector256<short> yh) = Vector256.Widen(Vector256.LoadUnsafe(ref yr, (nuint)i));
                a0 += MultiplyAddPairs(xl, yl);
                a1 += MultiplyAddPairs(xh, yh);
            }

            sum = Vector256.Sum(a0 + a1);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<sbyte>.Count)
        {
            Vector128<int> a0 = Vector128<int>.Zero;
            for (; i <= n - Vector128<sbyte>.Count; i += Vector128<sbyte>.Count)
            {
                (Vector128<short> xl, Vector128<short> xh) = Vector128.Widen(Vector128.LoadUnsafe(ref xr, (nuint)i));
                (Vector128<short> yl, Vector128<short> yh) = Vector128.Widen(Vector128.LoadUnsafe(ref yr, (nuint)i));
                (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(xl * yl);
                (Vector128<int> p2, Vector128<int> p3) = Vector128.Widen(xh * yh);
                a0 += (p0 + p1) + (p2 + p3);
            }

            sum = Vector128.Sum(a0);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref xr, i) * Unsafe.Add(ref yr, i);
        }

        return sum;
    }

    /// <summary>The offset added to a query code to make it unsigned for <see cref="DotBiased(ReadOnlySpan{byte}, ReadOnlySpan{sbyte})"/>.</summary>
    public const int QueryBias = 64;

    /// <summary>
    /// Encodes a query for <see cref="DotBiased(ReadOnlySpan{byte}, ReadOnlySpan{sbyte})"/>: codes in [-64, 64] stored
    /// with <see cref="QueryBias"/> added (so in [0, 128]); returns the scale (value ≈ (code − 64) × scale).
    /// </summary>
    /// <remarks>
    /// The query gets one bit less than the stored rows so that an unsigned × signed byte multiply-add of two
    /// neighbouring pairs (at most 2 × 128 × 127 = 32,512) never saturates a 16-bit lane.
    /// </remarks>
    public static float EncodeQueryInt8(ReadOnlySpan<float> vector, Span<byte> codes)
    {
        float max = 0;
        foreach (float v in vector)
        {
            max = MathF.Max(max, MathF.Abs(v));
        }

        if (max == 0)
        {
            codes[..vector.Length].Fill(QueryBias);
            return 0;
        }

        float inverse = QueryBias / max;
        for (int i = 0; i < vector.Length; i++)
        {
            codes[i] = (byte)(Math.Clamp(MathF.Round(vector[i] * inverse), -QueryBias, QueryBias) + QueryBias);
        }

        return max / QueryBias;
    }

    /// <summary>Returns the sum of the codes of a row (the correction term of <see cref="DotBiased(ReadOnlySpan{byte}, ReadOnlySpan{sbyte})"/>).</summary>
    public static int Sum(ReadOnlySpan<sbyte> codes)
    {
        int sum = 0;
        foreach (sbyte c in codes)
        {
            sum += c;
        }

        return sum;
    }

    /// <summary>
    /// Computes Σ <paramref name="query"/>[i] × <paramref name="row"/>[i] for unsigned query codes in [0, 128] and row
    /// codes in [-127, 127]. With biased query codes (see <see cref="EncodeQueryInt8"/>) the dot product of the
    /// unbiased codes is this minus <see cref="QueryBias"/> × <see cref="Sum(ReadOnlySpan{sbyte})"/> of the row.
    /// </summary>
    public static int DotBiased(ReadOnlySpan<byte> query, ReadOnlySpan<sbyte> row)
    {
        if (query.Length != row.Length)
        {
            throw new ArgumentException("The code vectors must have the same length.", nameof(row));
        }

        return DotBiased(ref MemoryMarshal.GetReference(query), ref MemoryMarshal.GetReference(row), query.Length);
    }

    /// <summary>The core of <see cref="DotBiased(ReadOnlySpan{byte}, ReadOnlySpan{sbyte})"/> over references (the scan calls it per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DotBiased(ref byte q, ref sbyte r, int n)
    {
        if (AvxVnni.IsSupported && n >= Vector256<byte>.Count)
        {
            return DotBiasedVnni(ref q, ref r, n);
        }

        if (Avx512BW.IsSupported && n >= Vector512<byte>.Count)
        {
            return DotBiased512(ref q, ref r, n);
        }

        if (Avx2.IsSupported && n >= Vector256<byte>.Count)
        {
            return DotBiased256(ref q, ref r, n);
        }

        if (Vector128.IsHardwareAccelerated && n >= Vector128<byte>.Count)
        {
            return DotBiased128(ref q, ref r, n);
        }

        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += Unsafe.Add(ref q, i) * Unsafe.Add(ref r, i);
        }

        return sum;
    }

    /// <summary>
    /// Gets whether <see cref="DotBiased4"/> scores four rows per step for rows of <paramref name="n"/> codes: AVX-VNNI
    /// hardware (the core <see cref="DotBiased(ref byte, ref sbyte, int)"/> prefers) and at least one 32-byte chunk.
    /// </summary>
    internal static bool CanDotBiased4(int n) => AvxVnni.IsSupported && n >= Vector256<byte>.Count;

    /// <summary>
    /// Computes <see cref="DotBiased(ref byte, ref sbyte, int)"/> of the query <paramref name="q"/> with the four
    /// consecutive rows of <paramref name="n"/> codes that <paramref name="rows"/> starts with, in one pass that loads each
    /// 32-byte chunk of the query once for the four rows (AVX-VNNI <c>vpdpbusd</c>, two accumulators per row). The sums
    /// are of integers, so each lane equals the one-row result exactly. Requires <see cref="CanDotBiased4"/>.
    /// </summary>
    internal static Vector128<int> DotBiased4(ref byte q, ref sbyte rows, int n)
    {
        if (!CanDotBiased4(n))
        {
            throw new ArgumentException("Four-row int8 dot products need AVX-VNNI and at least 32 codes per row.", nameof(n));
        }

        const int C = 32;
        ref sbyte r0 = ref rows;
        ref sbyte r1 = ref Unsafe.Add(ref r0, n);
        ref sbyte r2 = ref Unsafe.Add(ref r1, n);
        ref sbyte r3 = ref Unsafe.Add(ref r2, n);
        Vector256<int> a0 = Vector256<int>.Zero, b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int i = 0;
        for (; i <= n - (2 * C); i += 2 * C)
        {
            Vector256<byte> qa = Vector256.LoadUnsafe(ref q, (nuint)i);
            Vector256<byte> qb = Vector256.LoadUnsafe(ref q, (nuint)(i + C));
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, qa, Vector256.LoadUnsafe(ref r0, (nuint)i));
            b0 = AvxVnni.MultiplyWideningAndAdd(b0, qb, Vector256.LoadUnsafe(ref r0, (nuint)(i + C)));
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, qa, Vector256.LoadUnsafe(ref r1, (nuint)i));
            b1 = AvxVnni.MultiplyWideningAndAdd(b1, qb, Vector256.LoadUnsafe(ref r1, (nuint)(i + C)));
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, qa, Vector256.LoadUnsafe(ref r2, (nuint)i));
            b2 = AvxVnni.MultiplyWideningAndAdd(b2, qb, Vector256.LoadUnsafe(ref r2, (nuint)(i + C)));
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, qa, Vector256.LoadUnsafe(ref r3, (nuint)i));
            b3 = AvxVnni.MultiplyWideningAndAdd(b3, qb, Vector256.LoadUnsafe(ref r3, (nuint)(i + C)));
        }

        if (i <= n - C)
        {
            Vector256<byte> qa = Vector256.LoadUnsafe(ref q, (nuint)i);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, qa, Vector256.LoadUnsafe(ref r0, (nuint)i));
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, qa, Vector256.LoadUnsafe(ref r1, (nuint)i));
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, qa, Vector256.LoadUnsafe(ref r2, (nuint)i));
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, qa, Vector256.LoadUnsafe(ref r3, (nuint)i));
            i += C;
        }

        if (i < n)
        {
            // Overlapping load of each row's last full chunk; the query lanes already counted are zeroed.
            int start = n - C;
            Vector256<byte> keep = Vector256.GreaterThanOrEqual(Vector256<byte>.Indices, Vector256.Create((byte)(i - start)));
            Vector256<byte> qt = Vector256.LoadUnsafe(ref q, (nuint)start) & keep;
            b0 = AvxVnni.MultiplyWideningAndAdd(b0, qt, Vector256.LoadUnsafe(ref r0, (nuint)start));
            b1 = AvxVnni.MultiplyWideningAndAdd(b1, qt, Vector256.LoadUnsafe(ref r1, (nuint)start));
            b2 = AvxVnni.MultiplyWideningAndAdd(b2, qt, Vector256.LoadUnsafe(ref r2, (nuint)start));
            b3 = AvxVnni.MultiplyWideningAndAdd(b3, qt, Vector256.LoadUnsafe(ref r3, (nuint)start));
        }

        return Vector128.Create(Vector256.Sum(a0 + b0), Vector256.Sum(a1 + b1), Vector256.Sum(a2 + b2), Vector256.Sum(a3 + b3));
    }

    /// <summary>The 512-bit core (AVX-512 BW <c>vpmaddubsw</c> then <c>vpmaddwd</c>); requires <c>n &gt;= 64</c>.</summary>
    internal static int DotBiased512(ref byte q, ref sbyte r, int n)
    {
        const int C = 64;
        Vector512<short> ones = Vector512<short>.One;
        Vector512<int> a0 = Vector512<int>.Zero, a1 = a0;
        int i = 0;
        for (; i <= n - (2 * C); i += 2 * C)
        {
            a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref q, (nuint)i), Vector512.LoadUnsafe(ref r, (nuint)i)), ones);
            a1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref q, (nuint)(i + C)), Vector512.LoadUnsafe(ref r, (nuint)(i + C))), ones);
        }

        if (i <= n - C)
        {
            a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref q, (nuint)i), Vector512.LoadUnsafe(ref r, (nuint)i)), ones);
            i += C;
        }

        if (i < n)
        {
            // Overlapping load of the last full chunk; the query lanes already counted are zeroed.
            int start = n - C;
            Vector512<byte> keep = Vector512.GreaterThanOrEqual(Vector512<byte>.Indices, Vector512.Create((byte)(i - start)));
            a1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref q, (nuint)start) & keep, Vector512.LoadUnsafe(ref r, (nuint)start)), ones);
        }

        return Vector512.Sum(a0 + a1);
    }

    /// <summary>
    /// The AVX-VNNI core (<c>vpdpbusd</c>: four unsigned × signed byte products summed into each 32-bit lane in one
    /// instruction, where the other cores need three); requires <c>n &gt;= 32</c>. Preferred when the CPU has AVX-VNNI,
    /// even over the 512-bit core: one instruction per 32 bytes does less work than three per 64.
    /// </summary>
    internal static int DotBiasedVnni(ref byte q, ref sbyte r, int n)
    {
        const int C = 32;
        Vector256<int> a0 = Vector256<int>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - (4 * C); i += 4 * C)
        {
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.LoadUnsafe(ref q, (nuint)i), Vector256.LoadUnsafe(ref r, (nuint)i));
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.LoadUnsafe(ref q, (nuint)(i + C)), Vector256.LoadUnsafe(ref r, (nuint)(i + C)));
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, Vector256.LoadUnsafe(ref q, (nuint)(i + (2 * C))), Vector256.LoadUnsafe(ref r, (nuint)(i + (2 * C))));
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, Vector256.LoadUnsafe(ref q, (nuint)(i + (3 * C))), Vector256.LoadUnsafe(ref r, (nuint)(i + (3 * C))));
        }

        for (; i <= n - C; i += C)
        {
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.LoadUnsafe(ref q, (nuint)i), Vector256.LoadUnsafe(ref r, (nuint)i));
        }

        if (i < n)
        {
            // Overlapping load of the last full chunk; the query lanes already counted are zeroed.
            int start = n - C;
            Vector256<byte> keep = Vector256.GreaterThanOrEqual(Vector256<byte>.Indices, Vector256.Create((byte)(i - start)));
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.LoadUnsafe(ref q, (nuint)start) & keep, Vector256.LoadUnsafe(ref r, (nuint)start));
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>The 256-bit core (AVX2 <c>vpmaddubsw</c> then <c>vpmaddwd</c>); requires <c>n &gt;= 32</c>.</summary>
    internal static int DotBiased256(ref byte q, ref sbyte r, int n)
    {
        const int C = 32;
        Vector256<short> ones = Vector256<short>.One;
        Vector256<int> a0 = Vector256<int>.Zero, a1 = a0;
        int i = 0;
        for (; i <= n - (2 * C); i += 2 * C)
        {
            a0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref q, (nuint)i), Vector256.LoadUnsafe(ref r, (nuint)i)), ones);
            a1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref q, (nuint)(i + C)), Vector256.LoadUnsafe(ref r, (nuint)(i + C))), ones);
        }

        if (i <= n - C)
        {
            a0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref q, (nuint)i), Vector256.LoadUnsafe(ref r, (nuint)i)), ones);
            i += C;
        }

        if (i < n)
        {
            int start = n - C;
            Vector256<byte> keep = Vector256.GreaterThanOrEqual(Vector256<byte>.Indices, Vector256.Create((byte)(i - start)));
            a1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref q, (nuint)start) & keep, Vector256.LoadUnsafe(ref r, (nuint)start)), ones);
        }

        return Vector256.Sum(a0 + a1);
    }

    /// <summary>The portable 128-bit core (widening to 16 bits: 128 × 127 fits a short); requires <c>n &gt;= 16</c>.</summary>
    internal static int DotBiased128(ref byte q, ref sbyte r, int n)
    {
        const int C = 16;
        Vector128<int> a0 = Vector128<int>.Zero;
        int i = 0;
        for (; i <= n - C; i += C)
        {
            a0 += Products128(Vector128.LoadUnsafe(ref q, (nuint)i), Vector128.LoadUnsafe(ref r, (nuint)i));
        }

        if (i < n)
        {
            int start = n - C;
            Vector128<byte> keep = Vector128.GreaterThanOrEqual(Vector128<byte>.Indices, Vector128.Create((byte)(i - start)));
            a0 += Products128(Vector128.LoadUnsafe(ref q, (nuint)start) & keep, Vector128.LoadUnsafe(ref r, (nuint)start));
        }

        return Vector128.Sum(a0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Products128(Vector128<byte> q, Vector128<sbyte> r)
    {
        (Vector128<ushort> ql, Vector128<ushort> qh) = Vector128.Widen(q);
        (Vector128<short> rl, Vector128<short> rh) = Vector128.Widen(r);
        (Vector128<int> p0, Vector128<int> p1) = Vector128.Widen(ql.AsInt16() * rl);
        (Vector128<int> p2, Vector128<int> p3) = Vector128.Widen(qh.AsInt16() * rh);
        return (p0 + p1) + (p2 + p3);
    }

    /// <summary>Counts the differing bits of two equally long packed bit vectors.</summary>
    public static int Hamming(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y)
    {
        int count = 0;
        for (int i = 0; i < x.Length; i++)
        {
            count += BitOperations.PopCount(x[i] ^ y[i]);
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MultiplyAddPairs(Vector256<short> x, Vector256<short> y)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.MultiplyAddAdjacent(x, y);
        }

        // |code| <= 127, so each product fits in a short; widen before adding.
        (Vector256<int> lo, Vector256<int> hi) = Vector256.Widen(x * y);
        return lo + hi;
    }
}
