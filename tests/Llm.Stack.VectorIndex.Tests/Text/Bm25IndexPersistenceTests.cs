namespace Llm.Stack.VectorIndex.Tests;

public class Bm25IndexPersistenceTests
{
    private static Bm25Index<string> Sample()
    {
        var options = new Bm25Options { K1 = 1.5, B = 0.6, Stemmer = Bm25Stemmer.None, FoldDiacritics = false };
        var index = new Bm25Index<string>(options);
        index.Upsert("a", "Café au lait with croissants");
        index.Upsert("b", "Black coffee, no sugar");
        index.Upsert("c", "Green tea and jasmine");
        index.Upsert("d", "coffee coffee coffee");
        index.Remove("c");
        index.Upsert("b", "Black coffee with sugar");
        return index;
    }

    private static byte[] Saved<TKey>(Bm25Index<TKey> index, Action<BinaryWriter, TKey>? keyWriter = null)
        where TKey : notnull
    {
        using var stream = new MemoryStream();
        index.Save(stream, keyWriter);
        return stream.ToArray();
    }

    [Fact]
    public void Round_trip_preserves_contents_options_and_scores()
    {
        Bm25Index<string> index = Sample();
        Bm25Index<string> loaded = Bm25Index<string>.Load(new MemoryStream(Saved(index)));

        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(1.5, loaded.Options.K1);
        Assert.Equal(0.6, loaded.Options.B);
        Assert.False(loaded.Options.FoldDiacritics);
        Assert.Equal(Bm25Stemmer.None, loaded.Options.Stemmer);
        foreach (string query in new[] { "coffee", "café", "cafe", "sugar croissants", "tea" })
        {
            Assert.Equal(index.Search(query, 10), loaded.Search(query, 10));
        }

        // The loaded index keeps working.
        loaded.Upsert("e", "tea");
        Assert.Single(loaded.Search("tea", 10));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    public void Built_in_key_types_round_trip(int documents)
    {
        static void Check<TKey>(Func<int, TKey> key, int documents)
            where TKey : notnull
        {
            var index = new Bm25Index<TKey>();
            for (int i = 0; i < documents; i++)
            {
                index.Upsert(key(i), $"word{i % 17} shared");
            }

            var stream = new MemoryStream();
            index.Save(stream);
            stream.Position = 0;
            Bm25Index<TKey> loaded = Bm25Index<TKey>.Load(stream);
            Assert.Equal(documents, loaded.Count);
            Assert.Equal(index.Search("shared word3", 50), loaded.Search("shared word3", 50));
        }

        Check(i => "key-" + i, documents);
        Check(i => new Guid(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), documents);
        Check(i => i * 3, documents);
        Check(i => (long)i << 40, documents);
    }

    private readonly record struct CompositeKey(string Tenant, int Id);

    [Fact]
    public void Custom_keys_round_trip_with_a_writer_and_reader()
    {
        var index = new Bm25Index<CompositeKey>();
        index.Upsert(new CompositeKey("t1", 1), "hello world");
        index.Upsert(new CompositeKey("t2", 1), "hello there");

        Assert.Throws<InvalidOperationException>(() => index.Save(new MemoryStream()));
        byte[] bytes = Saved(index, (w, k) =>
        {
            w.Write(k.Tenant);
            w.Write(k.Id);
        });
        Bm25Index<CompositeKey> loaded = Bm25Index<CompositeKey>.Load(new MemoryStream(bytes), r => new CompositeKey(r.ReadString(), r.ReadInt32()));
        Assert.Equal(index.Search("hello world", 5), loaded.Search("hello world", 5));
        Assert.True(loaded.Contains(new CompositeKey("t2", 1)));
    }

    [Fact]
    public void The_index_can_be_embedded_in_a_larger_stream()
    {
        Bm25Index<string> index = Sample();
        var stream = new MemoryStream();
        stream.Write("before"u8);
        index.Save(stream);
        stream.Write("after"u8);

        stream.Position = 6;
        Bm25Index<string> loaded = Bm25Index<string>.Load(stream);
        Assert.Equal(index.Count, loaded.Count);
        var rest = new byte[5];
        stream.ReadExactly(rest);
        Assert.Equal("after"u8.ToArray(), rest);
    }

    [Fact]
    public void A_flipped_byte_anywhere_is_detected()
    {
        byte[] bytes = Saved(Sample());
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] corrupt = (byte[])bytes.Clone();
            corrupt[i] ^= 0x5A;
            InvalidDataException error = Assert.Throws<InvalidDataException>(() => Bm25Index<string>.Load(new MemoryStream(corrupt)));
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    [Fact]
    public void Corruption_cases_say_what_is_wrong()
    {
        byte[] bytes = Saved(Sample());

        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Bm25Index<string>.Load(new MemoryStream("not an index at all, no"u8.ToArray()))).Message, StringComparison.Ordinal);

        byte[] version = (byte[])bytes.Clone();
        version[8] = 9;
        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => Bm25Index<string>.Load(new MemoryStream(version))).Message, StringComparison.Ordinal);

        byte[] payload = (byte[])bytes.Clone();
        payload[30] ^= 1;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => Bm25Index<string>.Load(new MemoryStream(payload))).Message, StringComparison.Ordinal);

        foreach (int length in new[] { 0, 5, 19, 20, bytes.Length / 2, bytes.Length - 1 })
        {
            Assert.Contains("Truncated", Assert.Throws<InvalidDataException>(() => Bm25Index<string>.Load(new MemoryStream(bytes[..length]))).Message, StringComparison.Ordinal);
        }

        // A non-seekable stream that ends early is also reported as truncated.
        Assert.Contains("Truncated", Assert.Throws<InvalidDataException>(() => Bm25Index<string>.Load(new ForwardOnlyStream(bytes[..^3]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_with_another_key_type_is_refused()
    {
        byte[] bytes = Saved(Sample());
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => Bm25Index<int>.Load(new MemoryStream(bytes)));
        Assert.Contains("string keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_streams_are_rejected()
    {
        Bm25Index<string> index = Sample();
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => index.Save(null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => Bm25Index<string>.Load(null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentException>(() => index.Save(new MemoryStream([], writable: false))).ParamName);
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
