using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Distance kernels over float vectors: dot product, squared Euclidean, Manhattan and Hamming (count of differing
/// components). Each tries <see cref="Vector512"/>, then <see cref="Vector256"/>, then <see cref="Vector128"/>, then
/// scalar; the main loop keeps four accumulators and the tail is one overlapping load of the last full vector with
/// the already-counted lanes masked to zero (never reading out of bounds).
/// </summary>
internal static class VectorKernels
{
    /// <summary>Computes the dot product of two equally long vectors.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Aggregate<DotOp>(x, y);

    /// <summary>Computes the squared Euclidean distance of two equally long vectors.</summary>
    public static float EuclideanSquared(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Aggregate<L2Op>(x, y);

    /// <summary>Computes the Manhattan (L1) distance of two equally long vectors.</summary>
    public static float Manhattan(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Aggregate<L1Op>(x, y);

    /// <summary>Counts the components in which two equally long vectors differ.</summary>
    public static float Hamming(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Aggregate<HammingOp>(x, y);

    /// <summary>Computes the sum of squares of a vector.</summary>
    public static float SumOfSquares(ReadOnlySpan<float> x) => Aggregate<DotOp>(x, x);

    /// <summary>
    /// Hints the CPU to bring <paramref name="count"/> elements of <paramref name="data"/> from <paramref name="index"/>
    /// on into its caches (one x86 <c>prefetcht0</c> per 64-byte line; nothing on other architectures). The scans call it
    /// for the row after the one they score, so that the next row's loads are in flight while this one is computed: the
    /// hardware prefetcher alone leaves a row-by-row scan well short of the read bandwidth. A prefetch never faults and
    /// never changes a result; if the garbage collector moves the array meanwhile, the hint is merely wasted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Prefetch<T>(T[] data, int index, int count)
        where T : unmanaged
    {
        if (Sse.IsSupported && (uint)index < (uint)data.Length)
        {
            byte* start = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(data), index));
            int bytes = Math.Min(count, data.Length - index) * sizeof(T);
            for (int offset = 0; offset < bytes; offset += 64)
            {
                Sse.Prefetch0(start + offset);
            }
        }
    }

    /// <summary>
    /// Gets whether <see cref="Dot4"/> serves rows of <paramref name="dimensions"/> components: Vector512 hardware and a
    /// length that is a whole number of four-vector steps (384, 768, 1536, …), the case where <see cref="Dot"/> runs its
    /// main loop only.
    /// </summary>
    internal static bool CanDot4(int dimensions)
        => Vector512.IsHardwareAccelerated && dimensions > 0 && dimensions % (4 * Vector512<float>.Count) == 0;

    /// <summary>
    /// Computes the dot products of <paramref name="query"/> with the four consecutive rows that <paramref name="rows"/>
    /// starts with (each as long as the query) in one pass that loads each query vector once for the four rows. Each
    /// result is bit-for-bit <see cref="Dot"/> of that row: the same four accumulators per row over the same lanes, summed
    /// in the same order, so a scan may mix the two. Requires <see cref="CanDot4"/> of the query's length.
    /// </summary>
    internal static void Dot4(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> dots)
    {
        int n = query.Length;
        if (!CanDot4(n) || rows.Length < 4 * n || dots.Length < 4)
        {
            ThrowLengthMismatch();
        }

        const int c = 16; // Vector512<float>.Count
        ref float q = ref MemoryMarshal.GetReference(query);
        ref float r0 = ref MemoryMarshal.GetReference(rows);
        ref float r1 = ref Unsafe.Add(ref r0, n);
        ref float r2 = ref Unsafe.Add(ref r1, n);
        ref float r3 = ref Unsafe.Add(ref r2, n);
        Vector512<float> a00 = Vector512<float>.Zero, a01 = a00, a02 = a00, a03 = a00;
        Vector512<float> a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        Vector512<float> a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        Vector512<float> a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (nuint i = 0; i < (nuint)n; i += 4 * c)
        {
            Vector512<float> q0 = Vector512.LoadUnsafe(ref q, i);
            Vector512<float> q1 = Vector512.LoadUnsafe(ref q, i + c);
            Vector512<float> q2 = Vector512.LoadUnsafe(ref q, i + (2 * c));
            Vector512<float> q3 = Vector512.LoadUnsafe(ref q, i + (3 * c));
            a00 = Vector512.FusedMultiplyAdd(q0, Vector512.LoadUnsafe(ref r0, i), a00);
            a01 = Vector512.FusedMultiplyAdd(q1, Vector512.LoadUnsafe(ref r0, i + c), a01);
            a02 = Vector512.FusedMultiplyAdd(q2, Vector512.LoadUnsafe(ref r0, i + (2 * c)), a02);
            a03 = Vector512.FusedMultiplyAdd(q3, Vector512.LoadUnsafe(ref r0, i + (3 * c)), a03);
            a10 = Vector512.FusedMultiplyAdd(q0, Vector512.LoadUnsafe(ref r1, i), a10);
            a11 = Vector512.FusedMultiplyAdd(q1, Vector512.LoadUnsafe(ref r1, i + c), a11);
            a12 = Vector512.FusedMultiplyAdd(q2, Vector512.LoadUnsafe(ref r1, i + (2 * c)), a12);
            a13 = Vector512.FusedMultiplyAdd(q3, Vector512.LoadUnsafe(ref r1, i + (3 * c)), a13);
            a20 = Vector512.FusedMultiplyAdd(q0, Vector512.LoadUnsafe(ref r2, i), a20);
            a21 = Vector512.FusedMultiplyAdd(q1, Vector512.LoadUnsafe(ref r2, i + c), a21);
            a22 = Vector512.FusedMultiplyAdd(q2, Vector512.LoadUnsafe(ref r2, i + (2 * c)), a22);
            a23 = Vector512.FusedMultiplyAdd(q3, Vector512.LoadUnsafe(ref r2, i + (3 * c)), a23);
            a30 = Vector512.FusedMultiplyAdd(q0, Vector512.LoadUnsafe(ref r3, i), a30);
            a31 = Vector512.FusedMultiplyAdd(q1, Vector512.LoadUnsafe(ref r3, i + c), a31);
            a32 = Vector512.FusedMultiplyAdd(q2, Vector512.LoadUnsafe(ref r3, i + (2 * c)), a32);
            a33 = Vector512.FusedMultiplyAdd(q3, Vector512.LoadUnsafe(ref r3, i + (3 * c)), a33);
        }

        dots[0] = Vector512.Sum((a00 + a01) + (a02 + a03));
        dots[1] = Vector512.Sum((a10 + a11) + (a12 + a13));
        dots[2] = Vector512.Sum((a20 + a21) + (a22 + a23));
        dots[3] = Vector512.Sum((a30 + a31) + (a32 + a33));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Aggregate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TOp : struct, IKernelOp
    {
        if (x.Length != y.Length)
        {
            ThrowLengthMismatch();
        }

        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            return Core512<TOp>(ref xr, ref yr, n);
        }

        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            return Core256<TOp>(ref xr, ref yr, n);
        }

        if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            return Core128<TOp>(ref xr, ref yr, n);
        }

        float sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += TOp.Scalar(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
        }

        return sum;
    }

    private static float Core512<TOp>(ref float x, ref float y, int n)
        where TOp : struct, IKernelOp
    {
        int c = Vector512<float>.Count;
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - (4 * c); i += 4 * c)
        {
            a0 = TOp.Step(a0, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i));
            a1 = TOp.Step(a1, Vector512.LoadUnsafe(ref x, (nuint)(i + c)), Vector512.LoadUnsafe(ref y, (nuint)(i + c)));
            a2 = TOp.Step(a2, Vector512.LoadUnsafe(ref x, (nuint)(i + (2 * c))), Vector512.LoadUnsafe(ref y, (nuint)(i + (2 * c))));
            a3 = TOp.Step(a3, Vector512.LoadUnsafe(ref x, (nuint)(i + (3 * c))), Vector512.LoadUnsafe(ref y, (nuint)(i + (3 * c))));
        }

        for (; i <= n - c; i += c)
        {
            a0 = TOp.Step(a0, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i));
        }

        if (i < n)
        {
            int start = n - c;
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(i - start)).AsSingle();
            a1 = TOp.Step(a1, Vector512.LoadUnsafe(ref x, (nuint)start) & keep, Vector512.LoadUnsafe(ref y, (nuint)start) & keep);
        }

        return Vector512.Sum((a0 + a1) + (a2 + a3));
    }

    private static float Core256<TOp>(ref float x, ref float y, int n)
        where TOp : struct, IKernelOp
    {
        int c = Vector256<float>.Count;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - (4 * c); i += 4 * c)
        {
            a0 = TOp.Step(a0, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i));
            a1 = TOp.Step(a1, Vector256.LoadUnsafe(ref x, (nuint)(i + c)), Vector256.LoadUnsafe(ref y, (nuint)(i + c)));
            a2 = TOp.Step(a2, Vector256.LoadUnsafe(ref x, (nuint)(i + (2 * c))), Vector256.LoadUnsafe(ref y, (nuint)(i + (2 * c))));
            a3 = TOp.Step(a3, Vector256.LoadUnsafe(ref x, (nuint)(i + (3 * c))), Vector256.LoadUnsafe(ref y, (nuint)(i + (3 * c))));
        }

        for (; i <= n - c; i += c)
        {
            a0 = TOp.Step(a0, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i));
        }

        if (i < n)
        {
            int start = n - c;
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(i - start)).AsSingle();
            a1 = TOp.Step(a1, Vector256.LoadUnsafe(ref x, (nuint)start) & keep, Vector256.LoadUnsafe(ref y, (nuint)start) & keep);
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    private static float Core128<TOp>(ref float x, ref float y, int n)
        where TOp : struct, IKernelOp
    {
        int c = Vector128<float>.Count;
        Vector128<float> a0 = Vector128<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - (4 * c); i += 4 * c)
        {
            a0 = TOp.Step(a0, Vector128.LoadUnsafe(ref x, (nuint)i), Vector128.LoadUnsafe(ref y, (nuint)i));
            a1 = TOp.Step(a1, Vector128.LoadUnsafe(ref x, (nuint)(i + c)), Vector128.LoadUnsafe(ref y, (nuint)(i + c)));
            a2 = TOp.Step(a2, Vector128.LoadUnsafe(ref x, (nuint)(i + (2 * c))), Vector128.LoadUnsafe(ref y, (nuint)(i + (2 * c))));
            a3 = TOp.Step(a3, Vector128.LoadUnsafe(ref x, (nuint)(i + (3 * c))), Vector128.LoadUnsafe(ref y, (nuint)(i + (3 * c))));
        }

        for (; i <= n - c; i += c)
        {
            a0 = TOp.Step(a0, Vector128.LoadUnsafe(ref x, (nuint)i), Vector128.LoadUnsafe(ref y, (nuint)i));
        }

        if (i < n)
        {
            int start = n - c;
            Vector128<float> keep = Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(i - start)).AsSingle();
            a1 = TOp.Step(a1, Vector128.LoadUnsafe(ref x, (nuint)start) & keep, Vector128.LoadUnsafe(ref y, (nuint)start) & keep);
        }

        return Vector128.Sum((a0 + a1) + (a2 + a3));
    }

    private static void ThrowLengthMismatch() => throw new ArgumentException("The vectors must have the same length.");

    /// <summary>One accumulation step of a kernel; masked-out tail lanes are zero in both inputs and must add zero.</summary>
    internal interface IKernelOp
    {
        static abstract float Scalar(float x, float y);

        static abstract Vector128<float> Step(Vector128<float> acc, Vector128<float> x, Vector128<float> y);

        static abstract Vector256<float> Step(Vector256<float> acc, Vector256<float> x, Vector256<float> y);

        static abstract Vector512<float> Step(Vector512<float> acc, Vector512<float> x, Vector512<float> y);
    }

    internal readonly struct DotOp : IKernelOp
    {
        public static float Scalar(float x, float y) => x * y;

        public static Vector128<float> Step(Vector128<float> acc, Vector128<float> x, Vector128<float> y) => Vector128.FusedMultiplyAdd(x, y, acc);

        public static Vector256<float> Step(Vector256<float> acc, Vector256<float> x, Vector256<float> y) => Vector256.FusedMultiplyAdd(x, y, acc);

        public static Vector512<float> Step(Vector512<float> acc, Vector512<float> x, Vector512<float> y) => Vector512.FusedMultiplyAdd(x, y, acc);
    }

    internal readonly struct L2Op : IKernelOp
    {
        public static float Scalar(float x, float y) => (x - y) * (x - y);

        public static Vector128<float> Step(Vector128<float> acc, Vector128<float> x, Vector128<float> y)
        {
            Vector128<float> d = x - y;
            return Vector128.FusedMultiplyAdd(d, d, acc);
        }

        public static Vector256<float> Step(Vector256<float> acc, Vector256<float> x, Vector256<float> y)
        {
            Vector256<float> d = x - y;
            return Vector256.FusedMultiplyAdd(d, d, acc);
        }

        public static Vector512<float> Step(Vector512<float> acc, Vector512<float> x, Vector512<float> y)
        {
            Vector512<float> d = x - y;
            return Vector512.FusedMultiplyAdd(d, d, acc);
        }
    }

    internal readonly struct L1Op : IKernelOp
    {
        public static float Scalar(float x, float y) => MathF.Abs(x - y);

        public static Vector128<float> Step(Vector128<float> acc, Vector128<float> x, Vector128<float> y) => acc + Vector128.Abs(x - y);

        public static Vector256<float> Step(Vector256<float> acc, Vector256<float> x, Vector256<float> y) => acc + Vector256.Abs(x - y);

        public static Vector512<float> Step(Vector512<float> acc, Vector512<float> x, Vector512<float> y) => acc + Vector512.Abs(x - y);
    }

    internal readonly struct HammingOp : IKernelOp
    {
        public static float Scalar(float x, float y) => x == y ? 0f : 1f;

        public static Vector128<float> Step(Vector128<float> acc, Vector128<float> x, Vector128<float> y)
            => acc + Vector128.AndNot(Vector128<float>.One, Vector128.Equals(x, y));

        public static Vector256<float> Step(Vector256<float> acc, Vector256<float> x, Vector256<float> y)
            => acc + Vector256.AndNot(Vector256<float>.One, Vector256.Equals(x, y));

        public static Vector512<float> Step(Vector512<float> acc, Vector512<float> x, Vector512<float> y)
            => acc + Vector512.AndNot(Vector512<float>.One, Vector512.Equals(x, y));
    }
}
