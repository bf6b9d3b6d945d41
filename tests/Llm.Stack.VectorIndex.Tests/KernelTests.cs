namespace Llm.Stack.VectorIndex.Tests;

/// <summary>Every kernel, for every length 0..256, against a float64 scalar reference (relative tolerance 1e-5).</summary>
public sealed class KernelTests
{
    [Fact]
    public void Kernels_match_the_scalar_reference_for_every_length_0_to_256()
    {
        var random = new Random(42);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
            float[] y = [.. Enumerable.Range(0, n).Select(i => i % 3 == 0 ? x[i] : (float)(random.NextDouble() * 2 - 1))];
            double dot = 0, l2 = 0, l1 = 0, hamming = 0, sq = 0;
            for (int i = 0; i < n; i++)
            {
                dot += (double)x[i] * y[i];
                l2 += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
                l1 += Math.Abs((double)x[i] - y[i]);
                hamming += x[i] == y[i] ? 0 : 1;
                sq += (double)x[i] * x[i];
            }

            AssertClose(dot, VectorKernels.Dot(x, y), n, nameof(VectorKernels.Dot));
            AssertClose(l2, VectorKernels.EuclideanSquared(x, y), n, nameof(VectorKernels.EuclideanSquared));
            AssertClose(l1, VectorKernels.Manhattan(x, y), n, nameof(VectorKernels.Manhattan));
            Assert.Equal(hamming, VectorKernels.Hamming(x, y));
            AssertClose(sq, VectorKernels.SumOfSquares(x), n, nameof(VectorKernels.SumOfSquares));
        }
    }

    [Fact]
    public void Kernels_read_only_inside_the_spans()
    {
        // Slices of a larger buffer whose neighbours are NaN: an out-of-bounds read would poison the result.
        for (int n = 1; n <= 70; n++)
        {
            float[] buffer = new float[n + 40];
            Array.Fill(buffer, float.NaN);
            for (int i = 0; i < n; i++)
            {
                buffer[20 + i] = 1;
            }

            ReadOnlySpan<float> x = buffer.AsSpan(20, n);
            Assert.Equal(n, VectorKernels.Dot(x, x));
            Assert.Equal(0, VectorKernels.Hamming(x, x));
            Assert.Equal(0, VectorKernels.Manhattan(x, x));
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(384)]
    [InlineData(1536)]
    public void Dot4_is_bit_for_bit_the_dot_of_each_row(int n)
    {
        var random = new Random(n);
        float[] query = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[] rows = [.. Enumerable.Range(0, (4 * n) + 5).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, VectorKernels.CanDot4(n));
        if (!VectorKernels.CanDot4(n))
        {
            Assert.Throws<ArgumentException>(() => VectorKernels.Dot4(query, rows, new float[4]));
            return;
        }

        float[] dots = new float[4];
        VectorKernels.Dot4(query, rows.AsSpan(5), dots);
        for (int r = 0; r < 4; r++)
        {
            Assert.Equal(VectorKernels.Dot(query, rows.AsSpan(5 + (r * n), n)), dots[r]);
        }

        Assert.False(VectorKernels.CanDot4(n + 16));
        Assert.Throws<ArgumentException>(() => VectorKernels.Dot4(query, rows.AsSpan(0, (4 * n) - 1), dots));
    }

    [Fact]
    public void Kernels_reject_vectors_of_different_lengths()
        => Assert.Throws<ArgumentException>(() => VectorKernels.Dot(new float[3], new float[4]));

    [Fact]
    public void TopK_keeps_the_best_k_in_order()
    {
        var random = new Random(7);
        float[] values = [.. Enumerable.Range(0, 1000).Select(_ => (float)random.Next(0, 100))];
        var heap = new TopK(17);
        for (int i = 0; i < values.Length; i++)
        {
            heap.Add(values[i], i);
        }

        int[] expected = [.. Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).Take(17)];
        Assert.Equal(expected, heap.ToSortedArray().Select(r => r.Slot));
    }

    private static void AssertClose(double expected, float actual, int n, string kernel)
        => Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)) + 1e-6 * n, $"{kernel} n={n}: {actual} vs {expected}");
}
