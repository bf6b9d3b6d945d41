using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.VectorData;
using static Llm.Stack.Tests.Ingestion.IngestionTestKit;

namespace Llm.Stack.Tests.Ingestion;

/// <summary>Incremental ingestion into the real in-memory vector store: add, unchanged, change, remove, crash and resume.</summary>
public sealed class IngestionPipelineTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "llmstack-ingest-" + Guid.NewGuid().ToString("N"));

    public IngestionPipelineTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IngestionPipeline NewPipeline(HashEmbeddingGenerator generator, int maxTokens = 64) =>
        new(generator, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = maxTokens }));

    [Fact]
    public async Task AddsDocumentsThenSkipsThemWhenUnchanged()
    {
        var generator = new HashEmbeddingGenerator();
        IngestionPipeline pipeline = NewPipeline(generator);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        Document[] documents = [Article("a", "alpha"), Article("b", "beta"), Article("c", "gamma")];

        List<IngestionResult> first = await RunAsync(pipeline, collection, null, documents);

        Assert.All(first, r => Assert.Equal(IngestionStatus.Added, r.Status));
        Assert.All(first, r => Assert.Equal(1, r.Version));
        List<ChunkRecord> records = await AllRecordsAsync(collection);
        Assert.Equal(first.Sum(r => r.ChunkCount), records.Count);
        Assert.True(records.Count > 6, "the articles must give several chunks each");
        Assert.Equal(records.Count, records.Select(r => r.Key).Distinct().Count());
        ChunkRecord sample = records.First(r => r.DocumentId == "b");
        Assert.Equal(HashEmbeddingGenerator.Embed(sample.Text, ChunkRecord.DefaultDimensions), sample.Embedding.ToArray());
        Assert.Contains("beta", sample.Text, StringComparison.Ordinal);
        Assert.Equal(1, sample.DocumentVersion);
        int calls = generator.Calls;

        List<IngestionResult> second = await RunAsync(pipeline, collection, null, documents);

        Assert.All(second, r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
        Assert.Equal(calls, generator.Calls);
        Assert.Equal(records.Count, (await AllRecordsAsync(collection)).Count);
    }

    [Fact]
    public async Task WritesAChangedDocumentsNewChunksBeforeDeletingItsOldOnesAndReusesUnchangedEmbeddings()
    {
        var generator = new HashEmbeddingGenerator();
        IngestionPipeline pipeline = NewPipeline(generator);
        var collection = new RecordingCollection(NewCollection());
        Document original = Article("a", "alpha");
        await RunAsync(pipeline, collection, null, original);
        List<string> oldKeys = [.. (await AllRecordsAsync(collection)).Select(r => r.Key)];
        int inputsBefore = generator.Inputs;
        collection.Log.Clear();

        var changed = new Document("a", original.Text + "\n\nA new closing paragraph about something else entirely.");
        IngestionResult result = Assert.Single(await RunAsync(pipeline, collection, null, changed));

        Assert.Equal(IngestionStatus.Changed, result.Status);
        Assert.Equal(2, result.Version);
        Assert.True(result.ReusedEmbeddings > 0, "unchanged chunks keep their embeddings");
        Assert.Equal(result.ChunkCount - result.ReusedEmbeddings, generator.Inputs - inputsBefore);
        List<ChunkRecord> records = await AllRecordsAsync(collection);
        Assert.Equal(result.ChunkCount, records.Count);
        Assert.All(records, r => Assert.Equal(2, r.DocumentVersion));
        Assert.Empty(records.Select(r => r.Key).Intersect(oldKeys));
        Assert.Contains(records, r => r.Text.Contains("closing paragraph", StringComparison.Ordinal));

        // Write before delete: every upsert of the new version comes before the delete of the old one.
        int lastUpsert = collection.Log.FindLastIndex(l => l.StartsWith("upsert", StringComparison.Ordinal));
        int firstDelete = collection.Log.FindIndex(l => l.StartsWith("delete", StringComparison.Ordinal));
        Assert.True(firstDelete > lastUpsert, string.Join(" | ", collection.Log));
        Assert.Equal(oldKeys.Order(), collection.Log[firstDelete]["delete ".Length..].Split(',').Order());
    }

    [Fact]
    public async Task RemovesDocumentsGoneFromTheSource()
    {
        IngestionPipeline pipeline = NewPipeline(new HashEmbeddingGenerator());
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        await RunAsync(pipeline, collection, null, Article("a", "alpha"), Article("b", "beta"));
        int chunksOfB = (await AllRecordsAsync(collection)).Count(r => r.DocumentId == "b");

        List<IngestionResult> results = await RunAsync(pipeline, collection, null, Article("a", "alpha"));

        Assert.Equal(IngestionStatus.Unchanged, results.Single(r => r.DocumentId == "a").Status);
        IngestionResult removed = results.Single(r => r.DocumentId == "b");
        Assert.Equal(IngestionStatus.Removed, removed.Status);
        Assert.Equal(chunksOfB, removed.ChunkCount);
        Assert.All(await AllRecordsAsync(collection), r => Assert.Equal("a", r.DocumentId));
    }

    [Fact]
    public async Task KeepsMissingDocumentsWhenRemovalIsOff()
    {
        IngestionPipeline pipeline = NewPipeline(new HashEmbeddingGenerator());
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        await RunAsync(pipeline, collection, null, Article("a", "alpha"), Article("b", "beta"));

        List<IngestionResult> results = await RunAsync(pipeline, collection, new IngestionOptions { RemoveMissingDocuments = false }, Article("a", "alpha"));

        Assert.Single(results);
        Assert.Contains(await AllRecordsAsync(collection), r => r.DocumentId == "b");
    }

    [Fact]
    public async Task ResumesAFailedRunFromThePersistedStateWithoutDuplicatesOrOrphans()
    {
        string manifest = Path.Combine(_directory, "docs.state.json");
        VectorStoreCollection<string, ChunkRecord> store = NewCollection();
        Document[] version1 = [Article("a", "alpha"), Article("b", "beta"), Article("c", "gamma"), Article("d", "delta")];
        await RunAsync(NewPipeline(new HashEmbeddingGenerator()), store, await PersistedStateAsync(manifest), version1);
        Assert.True(File.Exists(manifest), "a finished run checkpoints its state");

        // Run 2 changes every document and "crashes": the store fails from its 5th upsert on, after some writes.
        Document[] version2 = [.. version1.Select(d => new Document(d.Id, d.Text.Replace("Paragraph 1", "First paragraph", StringComparison.Ordinal)))];
        var crashing = new RecordingCollection(store) { FailFromUpsert = 5 }; // Two upserts per changed document: its reused chunks, then its embedded ones.
        List<IngestionResult> crashed = await RunAsync(
            NewPipeline(new HashEmbeddingGenerator()), crashing, await PersistedStateAsync(manifest, new IngestionOptions { MaxDegreeOfParallelism = 1 }), version2);
        Assert.Equal(2, crashed.Count(r => r.Status == IngestionStatus.Changed));
        Assert.Equal(2, crashed.Count(r => r.Status == IngestionStatus.Failed));
        Assert.All(crashed.Where(r => r.Status == IngestionStatus.Failed), r => Assert.IsType<IOException>(r.Error));
        // Each failed document still has its previous version in the store: nothing was lost.
        foreach (IngestionResult failed in crashed.Where(r => r.Status == IngestionStatus.Failed))
        {
            Assert.Contains(await AllRecordsAsync(store), r => r.DocumentId == failed.DocumentId && r.DocumentVersion == 1);
        }

        // Run 3, a new process (new pipeline) with a healthy store, and document "d" changed once more meanwhile.
        Document[] version3 = [.. version2.Select(d => d.Id == "d" ? new Document("d", d.Text + "\n\nAn extra paragraph.") : d)];
        var generator = new HashEmbeddingGenerator();
        List<IngestionResult> resumed = await RunAsync(NewPipeline(generator), store, await PersistedStateAsync(manifest), version3);

        Assert.Equal(2, resumed.Count(r => r.Status == IngestionStatus.Unchanged));
        Assert.Equal(2, resumed.Count(r => r.Status == IngestionStatus.Changed));
        List<ChunkRecord> records = await AllRecordsAsync(store);
        Assert.All(records, r => Assert.Equal(2, r.DocumentVersion));
        Assert.Equal(records.Count, records.Select(r => r.Key).Distinct().Count());
        foreach (IGrouping<string, ChunkRecord> document in records.GroupBy(r => r.DocumentId))
        {
            // Exactly one copy of each chunk of the current text: no duplicates, no orphans of the crashed versions.
            Document current = version3.Single(d => d.Id == document.Key);
            IReadOnlyList<DocumentChunk> expected = await new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 64 })
                .ChunkAsync((await new TextNormalizationTransform().TransformAsync(current))!);
            Assert.Equal(expected.Select(c => c.Text), document.OrderBy(r => r.Ordinal).Select(r => r.Text));
        }
    }

    [Fact]
    public async Task ResumesARunKilledMidDocumentReusingTheCheckpointedEmbeddings()
    {
        string manifest = Path.Combine(_directory, "killed.state.json");
        VectorStoreCollection<string, ChunkRecord> store = NewCollection();
        Document[] documents = [Article("a", "alpha"), Article("b", "beta"), Article("c", "gamma")];
        using var kill = new CancellationTokenSource();
        var dying = new RecordingCollection(store)
        {
            OnUpsert = call =>
            {
                if (call == 2)
                {
                    // The process dies while the first document's second batch is written: nothing after this runs.
                    kill.Cancel();
                    throw new OperationCanceledException(kill.Token);
                }
            },
        };
        IngestionOptions options = await PersistedStateAsync(manifest, new IngestionOptions { MaxDegreeOfParallelism = 1, EmbeddingBatchSize = 2, CheckpointInterval = 1 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => NewPipeline(new HashEmbeddingGenerator()).IngestAsync(documents.ToAsyncEnumerable(), dying, options, kill.Token).ToListAsync().AsTask());
        Assert.True(File.Exists(manifest), "the state was checkpointed after the first batch");

        var generator = new HashEmbeddingGenerator();
        List<IngestionResult> resumed = await RunAsync(NewPipeline(generator), store, await PersistedStateAsync(manifest), documents);

        Assert.All(resumed, r => Assert.Equal(IngestionStatus.Added, r.Status));
        // At least the first batch was committed before the kill; whatever was committed is not embedded again.
        Assert.InRange(resumed.Single(r => r.DocumentId == "a").ReusedEmbeddings, 2, resumed.Single(r => r.DocumentId == "a").ChunkCount);
        Assert.Equal(resumed.Sum(r => r.ChunkCount - r.ReusedEmbeddings), generator.Inputs);
        List<ChunkRecord> records = await AllRecordsAsync(store);
        Assert.Equal(resumed.Sum(r => r.ChunkCount), records.Count);
        Assert.Equal(records.Count, records.Select(r => (r.DocumentId, r.Ordinal)).Distinct().Count());
    }

    [Fact]
    public async Task KeepsTheManifestInMemoryPerCollectionWhenNoPathIsGiven()
    {
        var generator = new HashEmbeddingGenerator();
        IngestionPipeline pipeline = NewPipeline(generator);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        var crashing = new RecordingCollection(collection) { FailFromUpsert = 1 };
        IngestionResult failed = Assert.Single(await RunAsync(pipeline, crashing, null, Article("a", "alpha")));
        Assert.Equal(IngestionStatus.Failed, failed.Status);

        IngestionResult added = Assert.Single(await RunAsync(pipeline, collection, null, Article("a", "alpha")));

        Assert.Equal(IngestionStatus.Added, added.Status);
        Assert.Equal(added.ChunkCount, (await AllRecordsAsync(collection)).Count);
    }

    [Fact]
    public async Task BatchesEmbeddingsByCountAndByTokenBudget()
    {
        var generator = new HashEmbeddingGenerator();
        var pipeline = new IngestionPipeline(generator, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 20 }));
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();

        IngestionResult byCount = Assert.Single(await RunAsync(pipeline, collection, new IngestionOptions { EmbeddingBatchSize = 3 }, Article("a", "alpha", 10)));
        Assert.Equal(3, generator.MaxBatch);
        Assert.Equal((byCount.ChunkCount + 2) / 3, generator.Calls);

        var budgeted = new HashEmbeddingGenerator();
        pipeline = new IngestionPipeline(budgeted, new RecursiveChunker(new RecursiveChunkerOptions { MaxTokens = 20 }));
        await RunAsync(pipeline, NewCollection("other"), new IngestionOptions { EmbeddingBatchSize = 100, EmbeddingBatchTokens = 40 }, Article("a", "alpha", 10));
        Assert.InRange(budgeted.MaxBatch, 2, 4); // 40 tokens hold two to four chunks of up to 20 tokens.
    }

    [Fact]
    public async Task ReportsProgressAndEmitsActivitiesPerStage()
    {
        var progress = new List<IngestionProgress>();
        var activities = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LlmStackTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => { lock (activities) { activities.Add(a.OperationName); } },
        };
        ActivitySource.AddActivityListener(listener);
        IngestionPipeline pipeline = NewPipeline(new HashEmbeddingGenerator());

        await RunAsync(pipeline, NewCollection(), new IngestionOptions { Progress = new SynchronousProgress(progress.Add) }, Article("a", "alpha"), Article("b", "beta"));

        Assert.Equal(2, progress.Count);
        Assert.Equal(2, progress.Max(p => p.Documents));
        Assert.True(progress.Max(p => p.Embeddings) > 0);
        Assert.Equal(progress.Max(p => p.Chunks), progress.Max(p => p.Embeddings));
        Assert.Superset(new HashSet<string>
            {
                LlmStackTelemetry.IngestSpanName, LlmStackTelemetry.IngestDocumentSpanName, LlmStackTelemetry.IngestTransformSpanName,
                LlmStackTelemetry.IngestChunkSpanName, LlmStackTelemetry.IngestEmbedSpanName, LlmStackTelemetry.IngestUpsertSpanName,
            }, new HashSet<string>(activities) { });
    }

    [Fact]
    public async Task TheDefaultChunkerCountsWithTheEmbeddersTokenizerAndLimit()
    {
        var generator = new HashEmbeddingGenerator { Limits = new EmbeddingInputLimits(ChunkingTokenizers.O200kBase, 24) };
        var pipeline = new IngestionPipeline(generator, options: new IngestionOptions { MaxChunkTokens = 512 });

        RecursiveChunker chunker = Assert.IsType<RecursiveChunker>(pipeline.Chunker);
        Assert.Same(ChunkingTokenizers.O200kBase, chunker.Tokenizer);
        Assert.Equal(24, chunker.MaxTokens);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        await RunAsync(pipeline, collection, null, Article("a", "alpha"));
        Assert.All(await AllRecordsAsync(collection), r => Assert.InRange(ChunkingTokenizers.O200kBase.CountTokens(r.Text), 1, 24));

        Assert.Equal(100, IngestionPipeline.CreateDefaultChunker(new HashEmbeddingGenerator { Limits = new EmbeddingInputLimits(ChunkingTokenizers.Cl100kBase, 254) }, 100).MaxTokens);
        Assert.Same(ChunkingTokenizers.Cl100kBase, IngestionPipeline.CreateDefaultChunker(null).Tokenizer);
    }

    [Fact]
    public async Task IngestsAFileSystemSourceAndSkipsUnchangedFilesWithoutReadingThem()
    {
        string root = Path.Combine(_directory, "files");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        await File.WriteAllTextAsync(Path.Combine(root, "one.txt"), Article("x", "alpha").Text);
        await File.WriteAllTextAsync(Path.Combine(root, "sub", "two.md"), "# Title\n\n" + Article("y", "beta").Text);
        var source = new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { root } });
        var generator = new HashEmbeddingGenerator();
        IngestionPipeline pipeline = NewPipeline(generator);
        VectorStoreCollection<string, ChunkRecord> collection = NewCollection();
        IngestionOptions options = await PersistedStateAsync(Path.Combine(_directory, "files.state.json"));

        List<IngestionResult> first = await pipeline.IngestAsync(source, collection, options).ToListAsync();
        Assert.Equal(["one.txt", "sub/two.md"], first.Select(r => r.DocumentId).Order());
        Assert.All(first, r => Assert.Equal(IngestionStatus.Added, r.Status));
        Assert.All(await AllRecordsAsync(collection), r => Assert.StartsWith("file://", r.Source, StringComparison.Ordinal));

        File.Delete(Path.Combine(root, "one.txt"));
        await File.AppendAllTextAsync(Path.Combine(root, "sub", "two.md"), "\n\nMore text.");
        await File.WriteAllTextAsync(Path.Combine(root, "three.txt"), "A third file.");
        List<IngestionResult> second = await pipeline.IngestAsync(source, collection, options).ToListAsync();

        Assert.Equal(IngestionStatus.Removed, second.Single(r => r.DocumentId == "one.txt").Status);
        Assert.Equal(IngestionStatus.Changed, second.Single(r => r.DocumentId == "sub/two.md").Status);
        Assert.Equal(IngestionStatus.Added, second.Single(r => r.DocumentId == "three.txt").Status);

        int calls = generator.Calls;
        List<IngestionResult> third = await pipeline.IngestAsync(source, collection, options).ToListAsync();
        Assert.All(third, r => Assert.Equal(IngestionStatus.Unchanged, r.Status));
        Assert.Equal(calls, generator.Calls);
    }

    [Fact]
    public async Task ChecksItsArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new IngestionPipeline(null!));
        var pipeline = new IngestionPipeline(new HashEmbeddingGenerator());
        Assert.Throws<ArgumentNullException>(() => pipeline.IngestAsync((IAsyncEnumerable<Document>)null!, NewCollection()));
        Assert.Throws<ArgumentNullException>(() => pipeline.IngestAsync(AsyncEnumerable.Empty<Document>(), null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IngestionOptions { EmbeddingBatchSize = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new IngestionOptions { MaxDegreeOfParallelism = 0 });
        InvalidOperationException duplicate = await Assert.ThrowsAsync<InvalidOperationException>(
            () => RunAsync(pipeline, NewCollection(), null, new Document("a", "x"), new Document("a", "y")));
        Assert.Contains("'a' twice", duplicate.Message, StringComparison.Ordinal);
    }
}
