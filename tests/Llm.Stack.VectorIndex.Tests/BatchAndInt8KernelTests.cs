using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

/// <summary>The register-blocked batch tile and the biased int8 kernels against scalar references, every length 0..256.</summary>
public sealed class BatchAndInt8KernelTests
{
    [Fact]
    public void Dot4x4_matches_the_scalar_reference_for_every_length_0_to_256()
    {
        var random = new Random(11);
        float[] dots = new float[16];
        for (int n = 0; n <= 256; n++)
        {
            float[][] q = [.. Enumerable.Range(0, 4).Select(_ => RandomVector(random, n))];
            float[][] r = [.. Enumerable.Range(0, 4).Select(_ => RandomVector(random, n))];
            BatchKernels.Dot4x4(q[0], q[1], q[2], q[3], r[0], r[1], r[2], r[3], dots);
            AssertTile(q, r, dots, n, nameof(BatchKernels.Dot4x4));

            if (Vector512.IsHardwareAccelerated && n >= 16)
            {
                Array.Clear(dots);
                BatchKernels.Tile512(ref q[0][0], ref q[1][0], ref q[2][0], ref q[3][0], ref r[0][0], ref r[1][0], ref r[2][0], ref r[3][0], n, ref dots[0]);
                AssertTile(q, r, dots, n, nameof(BatchKernels.Tile512));
            }

            if (Vector256.IsHardwareAccelerated && n >= 8)
            {
                Array.Clear(dots);
                BatchKernels.Tile256(ref q[0][0], ref q[1][0], ref q[2][0], ref q[3][0], ref r[0][0], ref r[1][0], ref r[2][0], ref r[3][0], n, ref dots[0]);
                AssertTile(q, r, dots, n, nameof(BatchKernels.Tile256));
            }
        }
    }

    [Fact]
    public void Dot4x4_reads_only_inside_the_spans()
    {
        // Each vector is a slice of a buffer whose neighbours are NaN: an out-of-bounds read would poison a dot product.
        float[] dots = new float[16];
        for (int n = 1; n <= 70; n++)
        {
            float[] buffer = new float[(8 * (n + 20)) + 20];
            Array.Fill(buffer, float.NaN);
            var slices = new ArraySegment<float>[8];
            for (int v = 0; v < 8; v++)
            {
                slices[v] = new ArraySegment<float>(buffer, 20 + (v * (n + 20)), n);
                slices[v].AsSpan().Fill(v + 1);
            }

            BatchKernels.Dot4x4(slices[0], slices[1], slices[2], slices[3], slices[4], slices[5], slices[6], slices[7], dots);
            for (int t = 0; t < 16; t++)
            {
                Assert.Equal(n * ((t >> 2) + 1) * ((t & 3) + 5), dots[t]);
            }
        }
    }

    [Fact]
    public void Biased_int8_dot_matches_the_scalar_reference_for_every_length_0_to_256()
    {
        var random = new Random(12);
        for (int n = 0; n <= 256; n++)
        {
            byte[] q = [.. Enumerable.Range(0, n).Select(_ => (byte)random.Next(0, 129))];
            sbyte[] r = [.. Enumerable.Range(0, n).Select(_ => (sbyte)random.Next(-127, 128))];
            if (n > 0)
            {
                // The extremes: the largest pair sums a 16-bit lane can meet.
                q[0] = 128;
                r[0] = -127;
                q[n - 1] = 128;
                r[n - 1] = 127;
            }

            int expected = q.Zip(r, (a, b) => a * b).Sum();
            Assert.Equal(expected, QuantizedKernels.DotBiased(q, r));
            if (Avx512BW.IsSupported && n >= 64)
            {
                Assert.Equal(expected, QuantizedKernels.DotBiased512(ref q[0], ref r[0], n));
            }

            if (Avx2.IsSupported && n >= 32)
            {
                Assert.Equal(expected, QuantizedKernels.DotBiased256(ref q[0], ref r[0], n));
            }

            if (AvxVnni.IsSupported && n >= 32)
            {
                Assert.Equal(expected, QuantizedKernels.DotBiasedVnni(ref q[0], ref r[0], n));
            }

            if (Vector128.IsHardwareAccelerated && n >= 16)
            {
                Assert.Equal(expected, QuantizedKernels.DotBiased128(ref q[0], ref r[0], n));
            }
        }
    }

    [Fact]
    public void Four_row_biased_int8_dot_equals_the_scalar_reference_for_every_length_0_to_256()
    {
        var random = new Random(14);
        for (int n = 0; n <= 256; n++)
        {
            // The four rows sit inside a larger buffer whose guard bytes (the extreme codes) would change any sum they entered.
            byte[] q = [.. Enumerable.Range(0, n).Select(_ => (byte)random.Next(0, 129))];
            sbyte[] buffer = new sbyte[(4 * n) + 128];
            Array.Fill(buffer, (sbyte)-127);
            Span<sbyte> rows = buffer.AsSpan(64, 4 * n);
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = (sbyte)random.Next(-127, 128);
            }

            if (n > 0)
            {
                q[0] = 128;
                q[n - 1] = 128;
                rows[0] = -127;
                rows[(4 * n) - 1] = 127;
            }

            Assert.Equal(AvxVnni.IsSupported && n >= 32, QuantizedKernels.CanDotBiased4(n));
            if (!QuantizedKernels.CanDotBiased4(n))
            {
                Assert.Throws<ArgumentException>(() => QuantizedKernels.DotBiased4(ref MemoryMarshalFirst(q), ref buffer[64], n));
                continue;
            }

            Vector128<int> dots = QuantizedKernels.DotBiased4(ref q[0], ref buffer[64], n);
            for (int row = 0; row < 4; row++)
            {
                ReadOnlySpan<sbyte> r = rows.Slice(row * n, n);
                int expected = 0;
                for (int i = 0; i < n; i++)
                {
                    expected += q[i] * r[i];
                }

                Assert.Equal(expected, dots.GetElement(row));
                Assert.Equal(QuantizedKernels.DotBiased(q, r), dots.GetElement(row));
            }
        }
    }

    // Every distance the int8 scan serves, at a length of whole 32-byte chunks (384), one with a tail (100), and one with an
    // odd chunk (96 = 64 + 32); 303 rows leave a tail of three after the four-row steps, and the deleted rows fall inside steps.
    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity, 384)]
    [InlineData(DistanceFunction.CosineSimilarity, 100)]
    [InlineData(DistanceFunction.DotProductSimilarity, 96)]
    [InlineData(DistanceFunction.EuclideanDistance, 100)]
    [InlineData(DistanceFunction.EuclideanSquaredDistance, 384)]
    public async Task Four_row_int8_scan_scores_bit_for_bit_as_the_one_row_scan(string distance, int dimensions)
    {
        float[][] vectors = Data.Generate("clustered", 303, dimensions, seed: 41);
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { QuantizedFlatEncoding = VectorQuantization.Int8, MaxDegreeOfParallelism = 1 });
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(int)),
                new VectorStoreDataProperty("Group", typeof(int)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = distance, IndexKind = IndexKind.QuantizedFlat },
            ],
        };
        InMemoryVectorCollection<int, Row<int>> rows = store.GetCollection<int, Row<int>>("rows", definition);
        await rows.EnsureCollectionExistsAsync();
        await rows.UpsertAsync(vectors.Select((v, i) => new Row<int> { Key = i, Group = i % 5, Vector = v }));
        await rows.DeleteAsync([5, 6, 101, 299]);
        CollectionData data = rows.GetBinding("test").Data;
        VectorColumn column = data.Columns.Single();
        Assert.Equal(VectorQuantization.Int8, column.Quantization);

        foreach (float[] query in Data.Generate("clustered", 4, dimensions, seed: 42))
        {
            byte[] codes = new byte[dimensions];
            float scale = QuantizedKernels.EncodeQueryInt8(query, codes);
            float queryNorm = MathF.Sqrt(VectorKernels.SumOfSquares(query));
            foreach (int k in new[] { 10, 400 })
            {
                var four = new TopK(k);
                var one = new TopK(k);
                FlatSearch.ScanInt8(column, codes, scale, queryNorm, data.Values, 0, data.HighWater, null, four);
                FlatSearch.ScanInt8(column, codes, scale, queryNorm, data.Values, 0, data.HighWater, _ => true, one);
                (float Goodness, int Slot)[] expected = one.ToSortedArray();
                (float Goodness, int Slot)[] actual = four.ToSortedArray();
                Assert.Equal(Math.Min(k, 299), expected.Length);
                Assert.Equal(expected.Select(c => (BitConverter.SingleToInt32Bits(c.Goodness), c.Slot)), actual.Select(c => (BitConverter.SingleToInt32Bits(c.Goodness), c.Slot)));
            }
        }
    }

    [Fact]
    public void Biased_int8_dot_reads_only_inside_the_spans()
    {
        for (int n = 1; n <= 140; n++)
        {
            byte[] qBuffer = new byte[n + 128];
            sbyte[] rBuffer = new sbyte[n + 128];
            Array.Fill(qBuffer, (byte)128);
            Array.Fill(rBuffer, (sbyte)127);
            qBuffer.AsSpan(64, n).Fill(1);
            rBuffer.AsSpan(64, n).Fill(1);
            Assert.Equal(n, QuantizedKernels.DotBiased(qBuffer.AsSpan(64, n), rBuffer.AsSpan(64, n)));
        }
    }

    [Fact]
    public void Query_codes_with_the_row_sum_correction_give_the_signed_dot_product()
    {
        var random = new Random(13);
        float[] query = RandomVector(random, 100);
        float[] row = RandomVector(random, 100);
        byte[] q = new byte[100];
        sbyte[] r = new sbyte[100];
        float queryScale = QuantizedKernels.EncodeQueryInt8(query, q);
        float rowScale = QuantizedKernels.EncodeInt8(row, r);
        Assert.All(q, c => Assert.InRange(c, 0, 128));
        float approx = (QuantizedKernels.DotBiased(q, r) - (QuantizedKernels.QueryBias * QuantizedKernels.Sum(r))) * queryScale * rowScale;
        double exact = query.Zip(row, (a, b) => (double)a * b).Sum();
        Assert.InRange(approx, exact - 0.3, exact + 0.3);
    }

    [Theory]
    [InlineData(DistanceFunction.CosineSimilarity, 48)]
    [InlineData(DistanceFunction.CosineDistance, 7)]
    [InlineData(DistanceFunction.DotProductSimilarity, 37)]
    [InlineData(DistanceFunction.NegativeDotProductSimilarity, 16)]
    public async Task Blocked_batch_search_equals_one_search_per_query(string distance, int dimensions)
    {
        // 1,003 rows and 131 queries: neither is a multiple of the 4 × 4 tile; deleted rows and a filter leave holes.
        float[][] vectors = Data.Generate("clustered", 1003, dimensions, seed: 21);
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { MaxDegreeOfParallelism = 2 });
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(int)),
                new VectorStoreDataProperty("Group", typeof(int)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = distance },
            ],
        };
        InMemoryVectorCollection<int, Row<int>> rows = store.GetCollection<int, Row<int>>("rows", definition);
        await rows.EnsureCollectionExistsAsync();
        await rows.UpsertAsync(vectors.Select((v, i) => new Row<int> { Key = i, Group = i % 5, Vector = v }));
        await rows.DeleteAsync(Enumerable.Range(0, 1003).Where(i => i % 7 == 3));
        float[][] queries = Data.Generate("clustered", 131, dimensions, seed: 22);

        foreach (VectorSearchOptions<Row<int>> options in new[] { new VectorSearchOptions<Row<int>>(), new VectorSearchOptions<Row<int>> { Filter = r => r.Group != 1, Skip = 2 } })
        {
            IReadOnlyList<IReadOnlyList<VectorSearchResult<Row<int>>>> batch = await rows.SearchBatchAsync([.. queries.Select(q => new ReadOnlyMemory<float>(q))], 9, options);
            Assert.Equal(queries.Length, batch.Count);
            for (int i = 0; i < queries.Length; i++)
            {
                List<VectorSearchResult<Row<int>>> single = await rows.SearchAsync(queries[i], 9, options).ToListAsync();
                Assert.Equal(9, single.Count);
                Assert.Equal(single.Select(r => (r.Record.Key, r.Score)), batch[i].Select(r => (r.Record.Key, r.Score)));
            }
        }
    }

    [Fact]
    public void Thread_heaps_are_reused_and_emptied()
    {
        TopK first = TopK.ForThread(0, 5);
        first.Add(1, 1);
        TopK again = TopK.ForThread(0, 3);
        Assert.Same(first, again);
        Assert.Equal(0, again.Count);
        for (int i = 0; i < 10; i++)
        {
            again.Add(i, i);
        }

        Assert.Equal([9, 8, 7], again.ToSortedArray().Select(c => c.Slot));
        Assert.NotSame(again, TopK.ForThread(1, 3));
    }

    private static ref byte MemoryMarshalFirst(byte[] codes) => ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(codes);

    private static float[] RandomVector(Random random, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    private static void AssertTile(float[][] q, float[][] r, float[] dots, int n, string kernel)
    {
        for (int a = 0; a < 4; a++)
        {
            for (int b = 0; b < 4; b++)
            {
                double expected = 0;
                for (int i = 0; i < n; i++)
                {
                    expected += (double)q[a][i] * r[b][i];
                }

                float actual = dots[(4 * a) + b];
                Assert.True(Math.Abs(expected - actual) <= (1e-5 * Math.Max(1, Math.Abs(expected))) + (1e-6 * n), $"{kernel} n={n} ({a},{b}): {actual} vs {expected}");
            }
        }
    }
}
