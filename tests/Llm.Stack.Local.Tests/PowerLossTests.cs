namespace Llm.Stack.Local.Tests;

/// <summary>
/// Power loss simulated by discarding every write not flushed to disk: an ingestion is recorded through
/// <see cref="PowerLossDisk"/>, and from the folder a power loss would leave at each point of it (every file creation,
/// flush, rename, deletion and folder flush), the index must open consistent and the next run must converge to
/// exactly the clean run's chunks.
/// </summary>
public sealed class PowerLossTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_first_ingest_cut_by_a_power_loss_at_any_point_converges_to_the_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        string clean = await IngestAndDescribeAsync(_folder.Path("clean"), docs);

        PowerLossDisk disk = await RecordAsync(_folder.Path("recorded"), docs);

        await AssertEveryCutConvergesAsync(disk, docs, clean, "first");
    }

    [Fact]
    public async Task An_update_cut_by_a_power_loss_at_any_point_converges_to_the_clean_run()
    {
        string docs = _folder.WriteCorpus("docs", 2);
        string clean = await IngestAndDescribeAsync(_folder.Path("clean"), docs);
        string data = _folder.Path("recorded");
        string old = await IngestAndDescribeAsync(data, _folder.WriteCorpus("old", 1));
        Assert.NotEqual(clean, old);

        PowerLossDisk disk = await RecordAsync(data, docs);

        await AssertEveryCutConvergesAsync(disk, docs, clean, "update");
        // The folder as it was before the update is among the images, and opens to the old chunks.
        Assert.Equal(old, await DescribeAsync(Restore(disk.Images[0].Files, "update-start")));
    }

    [Fact]
    public void The_disk_model_keeps_only_what_was_flushed()
    {
        string data = _folder.Path("model");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "old"), "old");
        var disk = new PowerLossDisk(data);

        // Written and renamed but never flushed: lost; flushed but its rename not flushed: the old name only.
        string a = Path.Combine(data, "a.tmp");
        File.WriteAllText(a, "a");
        disk.FileCreated(a);
        File.Move(a, Path.Combine(data, "a"));
        disk.Moved(a, Path.Combine(data, "a"));
        string b = Path.Combine(data, "b.tmp");
        File.WriteAllText(b, "b");
        disk.FileCreated(b);
        disk.FileSynced(b);
        Assert.Equal(["old"], disk.Images[^1].Files.Keys);

        disk.DirectorySynced(data);
        Dictionary<string, byte[]> image = disk.Images[^1].Files;
        Assert.Equal(["a", "b.tmp", "old"], image.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(image["a"]);
        Assert.Equal("b"u8.ToArray(), image["b.tmp"]);

        File.Delete(Path.Combine(data, "old"));
        disk.Deleted(Path.Combine(data, "old"));
        Assert.Contains("old", disk.Images[^1].Files.Keys);
        disk.DirectorySynced(data);
        Assert.DoesNotContain("old", disk.Images[^1].Files.Keys);
    }

    private async Task AssertEveryCutConvergesAsync(PowerLossDisk disk, string docs, string clean, string name)
    {
        // Enough commits to cut inside several of them, each with its files and folder flushed.
        Assert.True(disk.DirectorySyncs >= 8, $"{disk.DirectorySyncs} folder flushes: the run must commit several times");
        Assert.True(disk.Images.Count >= 10, $"{disk.Images.Count} distinct power-loss images");
        for (int i = 0; i < disk.Images.Count; i++)
        {
            (string after, Dictionary<string, byte[]> files) = disk.Images[i];
            string data = Restore(files, $"{name}-cut-{i}");
            string opened = await DescribeAsync(data);
            Assert.False(opened.Contains("problem:", StringComparison.Ordinal), $"power loss after '{after}' (image {i}): the index opened inconsistent:\n{opened}");

            string resumed = await IngestAndDescribeAsync(data, docs);
            Assert.True(clean == resumed, $"power loss after '{after}' (image {i}): the next run did not converge to the clean run.\nclean:\n{clean}\nresumed:\n{resumed}");
        }
    }

    private string Restore(Dictionary<string, byte[]> files, string name)
    {
        string data = _folder.Path(name);
        PowerLossDisk.Write(files, data);
        return data;
    }

    /// <summary>Ingests with a commit every 8 chunks, recording every file operation of every commit.</summary>
    private static async Task<PowerLossDisk> RecordAsync(string data, string docs)
    {
        var disk = new PowerLossDisk(data);
        await IngestAsync(data, docs, disk);
        return disk;
    }

    private static async Task<string> IngestAndDescribeAsync(string data, string docs)
    {
        await IngestAsync(data, docs, observer: null);
        return await DescribeAsync(data);
    }

    private static async Task IngestAsync(string data, string docs, IDurabilityObserver? observer)
    {
        var embedder = new DeterministicEmbedder();
        using var index = new LocalIndex(data, embedder) { DurabilityObserver = observer };
        var source = new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { docs } });
        var options = new IngestionOptions { MaxDegreeOfParallelism = 1, EmbeddingBatchSize = 4, CheckpointInterval = 8 };
        await foreach (IngestionResult result in index.IngestAsync(IngestHost.NewPipeline(embedder), source.EnumerateItemsAsync(), options))
        {
            Assert.NotEqual(IngestionStatus.Failed, result.Status);
        }
    }

    private static async Task<string> DescribeAsync(string data)
    {
        using var index = new LocalIndex(data, new DeterministicEmbedder());
        return string.Join('\n', await IngestHost.DescribeAsync(index));
    }
}
