namespace Llm.Stack.Local.Tests;

/// <summary>Full disks, read-only folders and damaged files: the last commit survives, and the next run converges.</summary>
public sealed class FaultTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(30_000)]
    public async Task A_full_disk_during_a_first_ingest_and_an_update_keeps_the_last_commit_and_the_next_run_converges(int bytesBeforeFull)
    {
        string v1 = _folder.WriteCorpus("v1", 1);
        string v2 = _folder.WriteCorpus("v2", 2);
        string clean1 = await CleanDumpAsync(v1, "clean1");
        string clean2 = await CleanDumpAsync(v2, "clean2");
        string data = _folder.Path("data");

        // First ingest: a commit fails (the first one, or a later one when the disk fills later); the error says why,
        // and what is committed is consistent.
        IOException first = await Assert.ThrowsAsync<IOException>(() => IngestAsync(data, v1, bytesBeforeFull));
        Assert.Contains("could not be saved", first.Message, StringComparison.Ordinal);
        Assert.Contains("No space left on device", first.Message, StringComparison.Ordinal);
        Assert.Equal(bytesBeforeFull < 5_000, !File.Exists(Path.Combine(data, "index.json")));
        Assert.DoesNotContain("problem:", await TestFolder.DumpAsync(data), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(data, "*.tmp"));

        await IngestAsync(data, v1, null);
        Assert.Equal(clean1, await TestFolder.DumpAsync(data));

        // Update: the old commit stays whole.
        await Assert.ThrowsAsync<IOException>(() => IngestAsync(data, v2, bytesBeforeFull));
        Assert.Equal(clean1, await TestFolder.DumpAsync(data));

        await IngestAsync(data, v2, null);
        Assert.Equal(clean2, await TestFolder.DumpAsync(data));
    }

    [Fact]
    public async Task A_read_only_folder_with_nothing_changed_is_not_written_and_a_change_fails_clearly()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        string data = _folder.Path("data");
        await IngestAsync(data, docs, null);
        string committed = await TestFolder.DumpAsync(data);
        Dictionary<string, DateTime> before = Directory.EnumerateFiles(data).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        using (ReadOnlyFolder.Make(data))
        {
            List<IngestionResult> results = await IngestAsync(data, docs, null);
            Assert.All(results, r => Assert.Equal(IngestionStatus.Unchanged, r.Status));

            File.AppendAllText(Path.Combine(docs, "a.md"), "\n\nA new paragraph.\n");
            IOException e = await Assert.ThrowsAsync<IOException>(() => IngestAsync(data, docs, null));
            Assert.Contains("read-only", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, Directory.EnumerateFiles(data).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        Assert.Equal(committed, await TestFolder.DumpAsync(data));
    }

    [Theory]
    [InlineData("state-deleted")]
    [InlineData("state-truncated")]
    [InlineData("state-corrupted")]
    [InlineData("state-empty")]
    [InlineData("state-huge-runs")]
    [InlineData("index-json-corrupted")]
    [InlineData("index-json-empty")]
    [InlineData("snapshot-truncated")]
    [InlineData("snapshot-garbage")]
    [InlineData("snapshot-deleted")]
    public async Task A_damaged_file_is_reported_and_repaired_by_reading_only_the_affected_documents(string damage)
    {
        string docs = _folder.WriteCorpus("docs", 1);
        string clean = await CleanDumpAsync(docs, "clean");
        string data = _folder.Path("data");
        await IngestAsync(data, docs, null);
        // A document deleted from the source while the state is damaged must not leave orphans.
        File.Delete(Path.Combine(docs, "c.txt"));
        string expected = await CleanDumpAsync(docs, "clean-without-c");
        Assert.NotEqual(clean, expected);

        // The committed generation is the newest (the one before it is kept for readers still loading it).
        string state = Directory.EnumerateFiles(data, "*.state.json").Max(StringComparer.Ordinal)!;
        string snapshot = Directory.EnumerateFiles(data, "*.lsvi").Max(StringComparer.Ordinal)!;
        switch (damage)
        {
            case "state-deleted":
                File.Delete(state);
                break;
            case "state-truncated":
                File.WriteAllBytes(state, File.ReadAllBytes(state)[..100]);
                break;
            case "state-corrupted":
                File.WriteAllText(state, "{\"Format\":1,\"Documents\":{\"a.md\":{\"Keys\":null}}}");
                break;
            case "state-empty":
                File.WriteAllBytes(state, []);
                break;
            case "state-huge-runs":
                // Well-formed JSON whose runs claim more keys than a document can have: neither a crash nor a scan of them.
                File.WriteAllText(state, File.ReadAllText(state).Replace("\"Keys\":[", "\"Keys\":[[\"x#0\",2000000000],[\"y#0\",2000000000],", StringComparison.Ordinal));
                break;
            case "index-json-corrupted":
                File.WriteAllText(Path.Combine(data, "index.json"), "{ not json");
                break;
            case "index-json-empty":
                File.WriteAllBytes(Path.Combine(data, "index.json"), []);
                break;
            case "snapshot-truncated":
                File.WriteAllBytes(snapshot, File.ReadAllBytes(snapshot)[..1000]);
                break;
            case "snapshot-garbage":
                File.WriteAllBytes(snapshot, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 31))]);
                break;
            case "snapshot-deleted":
                File.Delete(snapshot);
                break;
        }

        var embedder = new DeterministicEmbedder();
        using (var index = new LocalIndex(data, embedder))
        {
            await index.OpenAsync();
            Assert.False(index.LastCheck!.IsHealthy);
            Assert.NotEmpty(index.LastCheck.Problems);
            List<IngestionResult> results = await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs), new IngestionOptions { EmbeddingBatchSize = 4, CheckpointInterval = 8 }).ToListAsync();
            Assert.DoesNotContain(results, r => r.Status == IngestionStatus.Failed);
        }

        if (!damage.StartsWith("snapshot-", StringComparison.Ordinal))
        {
            // The chunks survived: nothing is embedded again.
            Assert.Equal(0, embedder.Embedded);
        }

        Assert.Equal(expected, await TestFolder.DumpAsync(data));
    }

    [Theory]
    [InlineData("index-json-corrupted")]
    [InlineData("snapshot-deleted")]
    public async Task A_damaged_index_json_or_a_lost_committed_generation_is_repaired_by_the_next_ingest_even_when_no_document_changed(string damage)
    {
        string docs = _folder.WriteCorpus("docs", 1);
        string data = _folder.Path("data");
        await IngestAsync(data, docs, null);
        string clean = await TestFolder.DumpAsync(data);
        if (damage == "index-json-corrupted")
        {
            File.WriteAllText(Path.Combine(data, "index.json"), "{ not json");
        }
        else
        {
            File.Delete(Directory.EnumerateFiles(data, "*.lsvi").Max(StringComparer.Ordinal)!);
        }

        Assert.Contains("problem:", await TestFolder.DumpAsync(data), StringComparison.Ordinal);
        List<IngestionResult> results = await IngestAsync(data, docs, null);
        Assert.DoesNotContain(results, r => r.Status == IngestionStatus.Failed);

        // The run rewrote index.json (and, for a lost generation, the documents it held): the next open is healthy.
        Assert.Equal(clean, await TestFolder.DumpAsync(data));
        using var index = new LocalIndex(data, new DeterministicEmbedder());
        Assert.NotNull(index.ReadMetadata());
    }

    [Fact]
    public async Task A_first_commit_killed_between_its_snapshot_and_its_state_is_not_loaded()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        string clean = await CleanDumpAsync(docs, "clean");
        string data = _folder.Path("data");
        await IngestAsync(data, docs, null);

        // What a kill between the snapshot's rename and the state's rename of a first commit leaves: a snapshot, no
        // state and no index.json. Nothing was committed, so the index opens empty and healthy.
        File.Delete(Path.Combine(data, "index.json"));
        foreach (string state in Directory.EnumerateFiles(data, "*.state.json"))
        {
            File.Delete(state);
        }

        var embedder = new DeterministicEmbedder();
        using (var index = new LocalIndex(data, embedder))
        {
            await index.OpenAsync();
            Assert.True(index.LastCheck!.IsHealthy, string.Join("\n", index.LastCheck.Problems));
            Assert.Equal(0, index.Count);
            List<IngestionResult> results = await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs), new IngestionOptions { EmbeddingBatchSize = 4, CheckpointInterval = 8 }).ToListAsync();
            Assert.DoesNotContain(results, r => r.Status == IngestionStatus.Failed);
        }

        Assert.Equal(clean, await TestFolder.DumpAsync(data));
    }

    private static IAsyncEnumerable<IngestionItem> Items(string docs) =>
        new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { docs } }).EnumerateItemsAsync();

    private static async Task<List<IngestionResult>> IngestAsync(string data, string docs, int? bytesBeforeFull)
    {
        var embedder = new DeterministicEmbedder();
        using var index = new LocalIndex(data, embedder);
        if (bytesBeforeFull is int limit)
        {
            // One disk for every file the commits write.
            var disk = new FullDiskStream.Disk(limit);
            index.CommitStreamDecorator = stream => new FullDiskStream(stream, disk);
        }

        return await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs), new IngestionOptions { EmbeddingBatchSize = 4, CheckpointInterval = 8 }).ToListAsync();
    }

    private async Task<string> CleanDumpAsync(string docs, string name)
    {
        string data = _folder.Path(name);
        await IngestAsync(data, docs, null);
        return await TestFolder.DumpAsync(data);
    }
}
