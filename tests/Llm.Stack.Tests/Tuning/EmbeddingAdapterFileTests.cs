namespace Llm.Stack.Tests.Tuning;

public sealed class EmbeddingAdapterFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmstack-adapter-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Saves_and_loads_the_weights_the_embedder_and_the_report()
    {
        var domain = new SyntheticDomain(32, passages: 400, queries: 300, distortion: 1.2);
        EmbeddingAdapter adapter = new EmbeddingAdapterTrainer(new EmbeddingAdapterTrainerOptions { Rank = 4, LearningRate = 0.001 })
            .Train("all-MiniLM-L6-v2", domain.Passages.Select(p => (ReadOnlyMemory<float>)p).ToArray(), domain.Examples()).Adapter!;
        string path = Path.Combine(_folder, "adapter.lsea");

        await adapter.SaveAsync(path);
        EmbeddingAdapter loaded = await EmbeddingAdapter.LoadAsync(path);

        Assert.Equal("all-MiniLM-L6-v2", loaded.EmbedderModelId);
        Assert.Equal(32, loaded.Dimensions);
        Assert.Equal(4, loaded.Rank);
        Assert.Equal(adapter.GetWeights(), loaded.GetWeights());
        Assert.Equal(adapter.Report!.AdaptedValidation, loaded.Report!.AdaptedValidation);
        Assert.Equal(adapter.Report.Options.Rank, loaded.Report.Options.Rank);
        float[] a = new float[32];
        float[] b = new float[32];
        adapter.Apply(domain.Queries[5], a);
        loaded.Apply(domain.Queries[5], b);
        Assert.Equal(a, b);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public async Task A_damaged_truncated_or_foreign_file_is_rejected_naming_the_file()
    {
        var adapter = new EmbeddingAdapter("m", 4, 0, Enumerable.Range(0, 16).Select(i => i / 100f).ToArray());
        string path = Path.Combine(_folder, "adapter.lsea");
        await adapter.SaveAsync(path);
        byte[] bytes = await File.ReadAllBytesAsync(path);

        byte[] flipped = (byte[])bytes.Clone();
        flipped[^20] ^= 0x40;
        await File.WriteAllBytesAsync(path, flipped);
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingAdapter.LoadAsync(path));
        Assert.Contains("damaged", damaged.Message, StringComparison.Ordinal);
        Assert.Contains(path, damaged.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingAdapter.LoadAsync(path));

        await File.WriteAllTextAsync(path, "{\"not\": \"an adapter\"}");
        var foreign = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingAdapter.LoadAsync(path));
        Assert.Contains("not an Llm.Stack embedding adapter", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_and_queries_are_checked()
    {
        var count = Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingAdapter("m", 4, 0, new float[15]));
        Assert.Equal("weights", count.ParamName);
        var nan = Assert.Throws<ArgumentException>(() => new EmbeddingAdapter("m", 2, 0, [0, float.NaN, 0, 0]));
        Assert.Equal("weights", nan.ParamName);

        var adapter = new EmbeddingAdapter("m", 2, 0, [0, 0, 0, 0]);
        var wrong = Assert.Throws<ArgumentException>(() => adapter.Apply(new float[3], new float[2]));
        Assert.Equal("query", wrong.ParamName);
        var notFinite = Assert.Throws<ArgumentException>(() => adapter.Apply(new[] { float.PositiveInfinity, 0f }, new float[2]));
        Assert.Equal("query", notFinite.ParamName);

        // A zero map is the identity, up to normalisation.
        float[] output = new float[2];
        adapter.Apply(new[] { 3f, 4f }, output);
        Assert.Equal([0.6f, 0.8f], output);
    }
}
