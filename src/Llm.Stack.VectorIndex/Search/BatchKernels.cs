using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Register-blocked dot products of several queries against several stored rows at once: a 4 × 4 tile keeps sixteen
/// accumulators in registers, so each loaded chunk of a query is used four times and each loaded chunk of a row four
/// times (8 loads per 16 fused multiply-adds instead of 2 per 1). Tries <see cref="Vector512"/>, then
/// <see cref="Vector256"/>, then the one-pair <see cref="VectorKernels.Dot"/> (which has the 128-bit and scalar paths);
/// the tail of each vector is one overlapping load of its last full chunk with the already-counted lanes masked to
/// zero, never reading out of bounds.
/// </summary>
internal static class BatchKernels
{
    /// <summary>
    /// Computes the 16 dot products of queries <paramref name="q0"/>..<paramref name="q3"/> with rows
    /// <paramref name="r0"/>..<paramref name="r3"/> (all of one length) into
    /// <paramref name="dots"/>: <c>dots[4 * q + r]</c>.
    /// </summary>
    public static void Dot4x4(
        ReadOnlySpan<float> q0, ReadOnlySpan<float> q1, ReadOnlySpan<float> q2, ReadOnlySpan<float> q3,
        ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, ReadOnlySpan<float> r2, ReadOnlySpan<float> r3,
        Span<float> dots)
    {
        int n = q0.Length;
        if (q1.Length != n || q2.Length != n || q3.Length != n || r0.Length != n || r1.Length != n || r2.Length != n || r3.Length != n || dots.Length < 16)
        {
            ThrowLengthMismatch();
        }

        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Tile512(
                ref MemoryMarshal.GetReference(q0), ref MemoryMarshal.GetReference(q1), ref MemoryMarshal.GetReference(q2), ref MemoryMarshal.GetReference(q3),
                ref MemoryMarshal.GetReference(r0), ref MemoryMarshal.GetReference(r1), ref MemoryMarshal.GetReference(r2), ref MemoryMarshal.GetReference(r3),
                n,
                ref MemoryMarshal.GetReference(dots));
            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Tile256(
                ref MemoryMarshal.GetReference(q0), ref MemoryMarshal.GetReference(q1), ref MemoryMarshal.GetReference(q2), ref MemoryMarshal.GetReference(q3),
                ref MemoryMarshal.GetReference(r0), ref MemoryMarshal.GetReference(r1), ref MemoryMarshal.GetReference(r2), ref MemoryMarshal.GetReference(r3),
                n,
                ref MemoryMarshal.GetReference(dots));
            return;
        }

        ReadOnlySpan<float> rows0 = r0, rows1 = r1, rows2 = r2, rows3 = r3;
        DotRow(q0, rows0, rows1, rows2, rows3, dots);
        DotRow(q1, rows0, rows1, rows2, rows3, dots[4..]);
        DotRow(q2, rows0, rows1, rows2, rows3, dots[8..]);
        DotRow(q3, rows0, rows1, rows2, rows3, dots[12..]);
    }

    /// <summary>The 512-bit tile (also called directly by the tests). Requires <c>n &gt;= 16</c>.</summary>
    internal static void Tile512(
        ref float q0, ref float q1, ref float q2, ref float q3, ref float r0, ref float r1, ref float r2, ref float r3, int n, ref float dots)
    {
        const int C = 16;
        Vector512<float> a00 = Vector512<float>.Zero, a01 = a00, a02 = a00, a03 = a00;
        Vector512<float> a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        Vector512<float> a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        Vector512<float> a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (; i <= n - C; i += C)
        {
            Vector512<float> y0 = Vector512.LoadUnsafe(ref r0, (nuint)i);
            Vector512<float> y1 = Vector512.LoadUnsafe(ref r1, (nuint)i);
            Vector512<float> y2 = Vector512.LoadUnsafe(ref r2, (nuint)i);
            Vector512<float> y3 = Vector512.LoadUnsafe(ref r3, (nuint)i);
            Vector512<float> x = Vector512.LoadUnsafe(ref q0, (nuint)i);
            a00 = Vector512.FusedMultiplyAdd(x, y0, a00);
            a01 = Vector512.FusedMultiplyAdd(x, y1, a01);
            a02 = Vector512.FusedMultiplyAdd(x, y2, a02);
            a03 = Vector512.FusedMultiplyAdd(x, y3, a03);
            x = Vector512.LoadUnsafe(ref q1, (nuint)i);
            a10 = Vector512.FusedMultiplyAdd(x, y0, a10);
            a11 = Vector512.FusedMultiplyAdd(x, y1, a11);
            a12 = Vector512.FusedMultiplyAdd(x, y2, a12);
            a13 = Vector512.FusedMultiplyAdd(x, y3, a13);
            x = Vector512.LoadUnsafe(ref q2, (nuint)i);
            a20 = Vector512.FusedMultiplyAdd(x, y0, a20);
            a21 = Vector512.FusedMultiplyAdd(x, y1, a21);
            a22 = Vector512.FusedMultiplyAdd(x, y2, a22);
            a23 = Vector512.FusedMultiplyAdd(x, y3, a23);
            x = Vector512.LoadUnsafe(ref q3, (nuint)i);
            a30 = Vector512.FusedMultiplyAdd(x, y0, a30);
            a31 = Vector512.FusedMultiplyAdd(x, y1, a31);
            a32 = Vector512.FusedMultiplyAdd(x, y2, a32);
            a33 = Vector512.FusedMultiplyAdd(x, y3, a33);
        }

        if (i < n)
        {
            // Overlapping load of the last full chunk; lanes already counted are zeroed in the rows (rows and queries
            // are finite, so 0 × query adds nothing).
            int start = n - C;
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(i - start)).AsSingle();
            Vector512<float> y0 = Vector512.LoadUnsafe(ref r0, (nuint)start) & keep;
            Vector512<float> y1 = Vector512.LoadUnsafe(ref r1, (nuint)start) & keep;
            Vector512<float> y2 = Vector512.LoadUnsafe(ref r2, (nuint)start) & keep;
            Vector512<float> y3 = Vector512.LoadUnsafe(ref r3, (nuint)start) & keep;
            Vector512<float> x = Vector512.LoadUnsafe(ref q0, (nuint)start);
            a00 = Vector512.FusedMultiplyAdd(x, y0, a00);
            a01 = Vector512.FusedMultiplyAdd(x, y1, a01);
            a02 = Vector512.FusedMultiplyAdd(x, y2, a02);
            a03 = Vector512.FusedMultiplyAdd(x, y3, a03);
            x = Vector512.LoadUnsafe(ref q1, (nuint)start);
            a10 = Vector512.FusedMultiplyAdd(x, y0, a10);
            a11 = Vector512.FusedMultiplyAdd(x, y1, a11);
            a12 = Vector512.FusedMultiplyAdd(x, y2, a12);
            a13 = Vector512.FusedMultiplyAdd(x, y3, a13);
            x = Vector512.LoadUnsafe(ref q2, (nuint)start);
            a20 = Vector512.FusedMultiplyAdd(x, y0, a20);
            a21 = Vector512.FusedMultiplyAdd(x, y1, a21);
            a22 = Vector512.FusedMultiplyAdd(x, y2, a22);
            a23 = Vector512.FusedMultiplyAdd(x, y3, a23);
            x = Vector512.LoadUnsafe(ref q3, (nuint)start);
            a30 = Vector512.FusedMultiplyAdd(x, y0, a30);
            a31 = Vector512.FusedMultiplyAdd(x, y1, a31);
            a32 = Vector512.FusedMultiplyAdd(x, y2, a32);
            a33 = Vector512.FusedMultiplyAdd(x, y3, a33);
        }

        // Reduce four accumulators at a time to 256 bits, then sum each.
        Unsafe.Add(ref dots, 0) = Sum(a00);
        Unsafe.Add(ref dots, 1) = Sum(a01);
        Unsafe.Add(ref dots, 2) = Sum(a02);
        Unsafe.Add(ref dots, 3) = Sum(a03);
        Unsafe.Add(ref dots, 4) = Sum(a10);
        Unsafe.Add(ref dots, 5) = Sum(a11);
        Unsafe.Add(ref dots, 6) = Sum(a12);
        Unsafe.Add(ref dots, 7) = Sum(a13);
        Unsafe.Add(ref dots, 8) = Sum(a20);
        Unsafe.Add(ref dots, 9) = Sum(a21);
        Unsafe.Add(ref dots, 10) = Sum(a22);
        Unsafe.Add(ref dots, 11) = Sum(a23);
        Unsafe.Add(ref dots, 12) = Sum(a30);
        Unsafe.Add(ref dots, 13) = Sum(a31);
        Unsafe.Add(ref dots, 14) = Sum(a32);
        Unsafe.Add(ref dots, 15) = Sum(a33);
    }

    /// <summary>The 256-bit tile (also called directly by the tests). Requires <c>n &gt;= 8</c>.</summary>
    internal static void Tile256(
        ref float q0, ref float q1, ref float q2, ref float q3, ref float r0, ref float r1, ref float r2, ref float r3, int n, ref float dots)
    {
        const int C = 8;
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a02 = a00, a03 = a00;
        Vector256<float> a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        Vector256<float> a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        Vector256<float> a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (; i <= n - C; i += C)
        {
            Vector256<float> y0 = Vector256.LoadUnsafe(ref r0, (nuint)i);
            Vector256<float> y1 = Vector256.LoadUnsafe(ref r1, (nuint)i);
            Vector256<float> y2 = Vector256.LoadUnsafe(ref r2, (nuint)i);
            Vector256<float> y3 = Vector256.LoadUnsafe(ref r3, (nuint)i);
            Vector256<float> x = Vector256.LoadUnsafe(ref q0, (nuint)i);
            a00 = Vector256.FusedMultiplyAdd(x, y0, a00);
            a01 = Vector256.FusedMultiplyAdd(x, y1, a01);
            a02 = Vector256.FusedMultiplyAdd(x, y2, a02);
            a03 = Vector256.FusedMultiplyAdd(x, y3, a03);
            x = Vector256.LoadUnsafe(ref q1, (nuint)i);
            a10 = Vector256.FusedMultiplyAdd(x, y0, a10);
            a11 = Vector256.FusedMultiplyAdd(x, y1, a11);
            a12 = Vector256.FusedMultiplyAdd(x, y2, a12);
            a13 = Vector256.FusedMultiplyAdd(x, y3, a13);
            x = Vector256.LoadUnsafe(ref q2, (nuint)i);
            a20 = Vector256.FusedMultiplyAdd(x, y0, a20);
            a21 = Vector256.FusedMultiplyAdd(x, y1, a21);
            a22 = Vector256.FusedMultiplyAdd(x, y2, a22);
            a23 = Vector256.FusedMultiplyAdd(x, y3, a23);
            x = Vector256.LoadUnsafe(ref q3, (nuint)i);
            a30 = Vector256.FusedMultiplyAdd(x, y0, a30);
            a31 = Vector256.FusedMultiplyAdd(x, y1, a31);
            a32 = Vector256.FusedMultiplyAdd(x, y2, a32);
            a33 = Vector256.FusedMultiplyAdd(x, y3, a33);
        }

        if (i < n)
        {
            int start = n - C;
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(i - start)).AsSingle();
            Vector256<float> y0 = Vector256.LoadUnsafe(ref r0, (nuint)start) & keep;
            Vector256<float> y1 = Vector256.LoadUnsafe(ref r1, (nuint)start) & keep;
            Vector256<float> y2 = Vector256.LoadUnsafe(ref r2, (nuint)start) & keep;
            Vector256<float> y3 = Vector256.LoadUnsafe(ref r3, (nuint)start) & keep;
            Vector256<float> x = Vector256.LoadUnsafe(ref q0, (nuint)start);
            a00 = Vector256.FusedMultiplyAdd(x, y0, a00);
            a01 = Vector256.FusedMultiplyAdd(x, y1, a01);
            a02 = Vector256.FusedMultiplyAdd(x, y2, a02);
            a03 = Vector256.FusedMultiplyAdd(x, y3, a03);
            x = Vector256.LoadUnsafe(ref q1, (nuint)start);
            a10 = Vector256.FusedMultiplyAdd(x, y0, a10);
            a11 = Vector256.FusedMultiplyAdd(x, y1, a11);
            a12 = Vector256.FusedMultiplyAdd(x, y2, a12);
            a13 = Vector256.FusedMultiplyAdd(x, y3, a13);
            x = Vector256.LoadUnsafe(ref q2, (nuint)start);
            a20 = Vector256.FusedMultiplyAdd(x, y0, a20);
            a21 = Vector256.FusedMultiplyAdd(x, y1, a21);
            a22 = Vector256.FusedMultiplyAdd(x, y2, a22);
            a23 = Vector256.FusedMultiplyAdd(x, y3, a23);
            x = Vector256.LoadUnsafe(ref q3, (nuint)start);
            a30 = Vector256.FusedMultiplyAdd(x, y0, a30);
            a31 = Vector256.FusedMultiplyAdd(x, y1, a31);
            a32 = Vector256.FusedMultiplyAdd(x, y2, a32);
            a33 = Vector256.FusedMultiplyAdd(x, y3, a33);
        }

        Unsafe.Add(ref dots, 0) = Vector256.Sum(a00);
        Unsafe.Add(ref dots, 1) = Vector256.Sum(a01);
        Unsafe.Add(ref dots, 2) = Vector256.Sum(a02);
        Unsafe.Add(ref dots, 3) = Vector256.Sum(a03);
        Unsafe.Add(ref dots, 4) = Vector256.Sum(a10);
        Unsafe.Add(ref dots, 5) = Vector256.Sum(a11);
        Unsafe.Add(ref dots, 6) = Vector256.Sum(a12);
        Unsafe.Add(ref dots, 7) = Vector256.Sum(a13);
        Unsafe.Add(ref dots, 8) = Vector256.Sum(a20);
        Unsafe.Add(ref dots, 9) = Vector256.Sum(a21);
        Unsafe.Add(ref dots, 10) = Vector256.Sum(a22);
        Unsafe.Add(ref dots, 11) = Vector256.Sum(a23);
        Unsafe.Add(ref dots, 12) = Vector256.Sum(a30);
        Unsafe.Add(ref dots, 13) = Vector256.Sum(a31);
        Unsafe.Add(ref dots, 14) = Vector256.Sum(a32);
        Unsafe.Add(ref dots, 15) = Vector256.Sum(a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector512<float> a) => Vector256.Sum(a.GetLower() + a.GetUpper());

    private static void DotRow(ReadOnlySpan<float> q, ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, ReadOnlySpan<float> r2, ReadOnlySpan<float> r3, Span<float> dots)
    {
        dots[0] = VectorKernels.Dot(q, r0);
        dots[1] = VectorKernels.Dot(q, r1);
        dots[2] = VectorKernels.Dot(q, r2);
        dots[3] = VectorKernels.Dot(q, r3);
    }

    private static void ThrowLengthMismatch() => throw new ArgumentException("The vectors must have the same length and the output room for 16 dot products.");
}
