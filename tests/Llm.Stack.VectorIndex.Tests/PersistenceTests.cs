using Microsoft.Extensions.VectorData;

namespace Llm.Stack.VectorIndex.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "llmstack-vi-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task<InMemoryVectorStore> FilledStoreAsync(int count = 50)
    {
        var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = new HashEmbeddingGenerator() });
        InMemoryVectorCollection<string, Hotel> hotels = store.GetCollection<string, Hotel>("hotels");
        await hotels.EnsureCollectionExistsAsync();
        var random = new Random(1);
        await hotels.UpsertAsync(Enumerable.Range(0, count).Select(i => new Hotel
        {
            Id = "h" + i,
            Name = "Hotel " + i,
            Rating = i % 5,
            Price = i * 1.25,
            Tags = ["a" + i, "b"],
            Amenities = ["wifi"],
            City = i % 2 == 0 ? null : "Oslo",
            Embedding = new float[] { (float)random.NextDouble() + 0.1f, (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble() },
        }));
        await hotels.DeleteAsync(["h3", "h7"]); // tombstones are not saved

        InMemoryVectorCollection<int, TextRecord> texts = store.GetCollection<int, TextRecord>("texts");
        await texts.EnsureCollectionExistsAsync();
        await texts.UpsertAsync([new TextRecord { Id = 1, Text = "alpha beta" }, new TextRecord { Id = 2, Text = "gamma delta" }]);
        return store;
    }

    private static async Task AssertSameAsync(InMemoryVectorStore expected, InMemoryVectorStore actual)
    {
        InMemoryVectorCollection<string, Hotel> a = expected.GetCollection<string, Hotel>("hotels");
        InMemoryVectorCollection<string, Hotel> b = actual.GetCollection<string, Hotel>("hotels");
        var options = new FilteredRecordRetrievalOptions<Hotel> { IncludeVectors = true, OrderBy = o => o.Ascending(h => h.Id) };
        List<Hotel> ea = await a.GetAsync(h => true, 1000, options).ToListAsync();
        List<Hotel> eb = await b.GetAsync(h => true, 1000, options).ToListAsync();
        Assert.Equal(ea.Count, eb.Count);
        for (int i = 0; i < ea.Count; i++)
        {
            Assert.Equal(ea[i].Id, eb[i].Id);
            Assert.Equal(ea[i].Name, eb[i].Name);
            Assert.Equal(ea[i].Price, eb[i].Price);
            Assert.Equal(ea[i].Tags, eb[i].Tags);
            Assert.Equal(ea[i].Amenities, eb[i].Amenities);
            Assert.Equal(ea[i].City, eb[i].City);
            Assert.Equal(ea[i].Embedding.ToArray(), eb[i].Embedding.ToArray());
        }

        float[] query = [0.3f, 0.2f, 0.9f, 0.1f];
        List<VectorSearchResult<Hotel>> sa = await a.SearchAsync(query, 5).ToListAsync();
        List<VectorSearchResult<Hotel>> sb = await b.SearchAsync(query, 5).ToListAsync();
        Assert.Equal(sa.Select(r => (r.Record.Id, r.Score)), sb.Select(r => (r.Record.Id, r.Score)));
        Assert.Equal(
            await expected.GetCollection<int, TextRecord>("texts").SearchAsync("gamma", 1).Select(r => r.Record.Id).ToListAsync(),
            await actual.GetCollection<int, TextRecord>("texts").SearchAsync("gamma", 1).Select(r => r.Record.Id).ToListAsync());
    }

    [Fact]
    public async Task Save_and_load_round_trip_records_vectors_and_metadata()
    {
        using InMemoryVectorStore store = await FilledStoreAsync();
        string hotelsFile = Path.Combine(_directory, "hotels.lsvi");
        string textsFile = Path.Combine(_directory, "texts.lsvi");
        await store.SaveCollectionToFileAsync("hotels", hotelsFile);
        await store.SaveCollectionToFileAsync("texts", textsFile);

        using var loaded = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = new HashEmbeddingGenerator() });
        Assert.Equal("hotels", await loaded.LoadCollectionFromFileAsync(hotelsFile));
        Assert.Equal("texts", await loaded.LoadCollectionFromFileAsync(textsFile));

        await AssertSameAsync(store, loaded);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public async Task Snapshot_info_exposes_dimensions_distance_and_embedding_model_id_without_loading()
    {
        using InMemoryVectorStore store = await FilledStoreAsync();
        string file = Path.Combine(_directory, "texts.lsvi");
        await store.SaveCollectionToFileAsync("texts", file);

        InMemoryCollectionInfo info = InMemoryVectorStore.ReadSnapshotInfo(file);
        InMemoryCollectionInfo live = store.GetCollectionInfo("texts")!;

        Assert.Equal("texts", info.Name);
        Assert.Equal(typeof(int), info.KeyType);
        Assert.Equal(2, info.Count);
        InMemoryVectorPropertyInfo vector = Assert.Single(info.VectorProperties);
        Assert.Equal(new InMemoryVectorPropertyInfo("Embedding", 8, DistanceFunction.CosineSimilarity, IndexKind.Flat, "hash-test-model"), vector);
        Assert.Equal(vector, live.VectorProperties.Single());
        Assert.Null(store.GetCollectionInfo("missing"));
        Assert.Null(store.GetCollectionInfo("hotels")!.VectorProperties.Single().EmbeddingModelId);
    }

    [Fact]
    public async Task A_crash_during_save_leaves_the_previous_snapshot_intact()
    {
        using InMemoryVectorStore store = await FilledStoreAsync();
        string file = Path.Combine(_directory, "hotels.lsvi");
        await store.SaveCollectionToFileAsync("hotels", file);
        byte[] before = await File.ReadAllBytesAsync(file);

        await store.GetCollection<string, Hotel>("hotels").UpsertAsync(new Hotel { Id = "new", Embedding = new float[] { 1, 1, 1, 1 } });
        store.SaveStreamDecorator = inner => new FailingStream(inner, failAfterBytes: 300);
        await Assert.ThrowsAsync<IOException>(() => store.SaveCollectionToFileAsync("hotels", file));

        Assert.Equal(before, await File.ReadAllBytesAsync(file));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        using var loaded = new InMemoryVectorStore();
        await loaded.LoadCollectionFromFileAsync(file);
        Assert.Null(await loaded.GetCollection<string, Hotel>("hotels").GetAsync("new"));
        Assert.NotNull(await loaded.GetCollection<string, Hotel>("hotels").GetAsync("h1"));
    }

    [Fact]
    public async Task Corrupt_truncated_foreign_and_wrong_version_files_raise_InvalidDataException_with_the_reason()
    {
        using InMemoryVectorStore store = await FilledStoreAsync();
        using var buffer = new MemoryStream();
        await store.SaveCollectionAsync("hotels", buffer);
        byte[] good = buffer.ToArray();

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x40;
        byte[] truncated = good[..(good.Length - 30)];
        byte[] foreign = "this is not a snapshot at all"u8.ToArray();
        byte[] version = (byte[])good.Clone();
        version[8] = 99;

        Assert.Contains("checksum", (await LoadFailsAsync(flipped)).Message, StringComparison.Ordinal);
        Assert.Contains("Truncated", (await LoadFailsAsync(truncated)).Message, StringComparison.Ordinal);
        Assert.Contains("magic", (await LoadFailsAsync(foreign)).Message, StringComparison.Ordinal);
        Assert.Contains("version 99", (await LoadFailsAsync(version)).Message, StringComparison.Ordinal);
        Assert.Contains("Truncated", (await LoadFailsAsync(good[..5])).Message, StringComparison.Ordinal);

        async Task<InvalidDataException> LoadFailsAsync(byte[] bytes)
        {
            using var target = new InMemoryVectorStore();
            InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => target.LoadCollectionAsync(new MemoryStream(bytes)));
            Assert.False(await target.CollectionExistsAsync("hotels"));
            return e;
        }
    }

    [Fact]
    public async Task Automatic_persistence_loads_at_start_saves_on_dispose_and_deletes_with_the_collection()
    {
        var options = new InMemoryVectorStoreOptions { PersistenceDirectory = _directory, PersistenceInterval = TimeSpan.FromHours(1), EmbeddingGenerator = new HashEmbeddingGenerator() };
        using InMemoryVectorStore reference = await FilledStoreAsync();
        using (var store = new InMemoryVectorStore(options))
        {
            using var buffer = new MemoryStream();
            await reference.SaveCollectionAsync("hotels", buffer);
            buffer.Position = 0;
            await store.LoadCollectionAsync(buffer);
            buffer.SetLength(0);
            await reference.SaveCollectionAsync("texts", buffer);
            buffer.Position = 0;
            await store.LoadCollectionAsync(buffer);
            await store.GetCollection<string, Hotel>("scratch").EnsureCollectionExistsAsync();
        }

        Assert.Equal(3, Directory.GetFiles(_directory, "*.lsvi").Length);
        using (var reopened = new InMemoryVectorStore(options))
        {
            await AssertSameAsync(reference, reopened);
            await reopened.EnsureCollectionDeletedAsync("scratch");
        }

        Assert.Equal(2, Directory.GetFiles(_directory, "*.lsvi").Length);
    }

    [Fact]
    public async Task Automatic_persistence_saves_changes_in_the_background()
    {
        var options = new InMemoryVectorStoreOptions { PersistenceDirectory = _directory, PersistenceInterval = TimeSpan.FromMilliseconds(50) };
        using var store = new InMemoryVectorStore(options);
        InMemoryVectorCollection<string, Hotel> hotels = store.GetCollection<string, Hotel>("hotels");
        await hotels.EnsureCollectionExistsAsync();
        await hotels.UpsertAsync(new Hotel { Id = "x", Name = "X", Embedding = new float[] { 1, 2, 3, 4 } });
        string file = Path.Combine(_directory, "hotels.lsvi");

        for (int i = 0; i < 200 && !(File.Exists(file) && InMemoryVectorStore.ReadSnapshotInfo(file).Count == 1); i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(1, InMemoryVectorStore.ReadSnapshotInfo(file).Count);
    }

    [Fact]
    public async Task Data_types_snapshots_cannot_hold_are_rejected_on_save_naming_the_property()
    {
        var store = new InMemoryVectorStore();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(int)), new VectorStoreDataProperty("Group", typeof(Uri)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2)],
        };
        await store.GetDynamicCollection("x", definition).EnsureCollectionExistsAsync();
        NotSupportedException e = await Assert.ThrowsAsync<NotSupportedException>(() => store.SaveCollectionAsync("x", new MemoryStream()));
        Assert.Contains("Group", e.Message, StringComparison.Ordinal);
    }

    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfterBytes)
            {
                throw new IOException("Simulated crash: the disk went away.");
            }

            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
