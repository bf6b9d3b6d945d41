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
