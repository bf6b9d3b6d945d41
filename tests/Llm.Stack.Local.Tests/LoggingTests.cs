using Llm.Stack.VectorIndex;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Local.Tests;

/// <summary>The local index logs its opens, commits and self-check problems, without the documents' text.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Opening_committing_and_a_damaged_state_are_logged_with_their_folder_and_never_the_text()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        string data = _folder.Path("data");
        var embedder = new DeterministicEmbedder();
        var logger = new CapturingLogger();

        using (var index = new LocalIndex(data, embedder, logger: logger))
        {
            await index.OpenAsync();
            await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs), new IngestionOptions { EmbeddingBatchSize = 4, CheckpointInterval = 8 }).ToListAsync();
        }

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.EventId == 1 && e.Message.Contains(data, StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Debug && e.EventId == 3 && e.Message.StartsWith("Committed generation", StringComparison.Ordinal));

        foreach (string state in Directory.EnumerateFiles(data, "*.state.json"))
        {
            File.WriteAllText(state, "{ damaged");
        }

        logger.Entries.Clear();
        using (var index = new LocalIndex(data, embedder, logger: logger))
        {
            await index.OpenAsync();
        }

        CapturingLogger.Entry[] problems = [.. logger.Entries.Where(e => e.EventId == 2)];
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Equal(LogLevel.Warning, p.Level));
        Assert.Contains(problems, p => p.Message.Contains(".state.json", StringComparison.Ordinal) && p.Message.Contains(data, StringComparison.Ordinal));

        // The corpus's words ("a41", "b82", ...) never reach a log line above Trace.
        Assert.DoesNotContain(logger.Entries, e => e.Level > LogLevel.Trace && e.Message.Contains("Paragraph 1 about", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_a_store_that_has_no_keyword_search_retrieval_falls_back_to_vector_search_and_says_so_once()
    {
        string docs = _folder.WriteCorpus("docs", 1);
        var embedder = new DeterministicEmbedder();
        var logger = new CapturingLogger();
        using var memory = new InMemoryVectorStore();
        using var index = new LocalIndex(_folder.Path("data"), embedder, store: new VectorOnlyStore(memory), logger: logger);
        await index.IngestAsync(IngestHost.NewPipeline(embedder), Items(docs), new IngestionOptions { EmbeddingBatchSize = 4 }).ToListAsync();
        Assert.False(index.Collection is Microsoft.Extensions.VectorData.IKeywordHybridSearchable<ChunkRecord>);

        IRetriever retriever = index.CreateRetriever();
        IReadOnlyList<RetrievedChunk> found = await retriever.RetrieveAsync("Notes on c");
        await retriever.RetrieveAsync("Paragraph 3 about e");

        // The vector search of the deterministic embedder finds the chunk whose text is the query's.
        Assert.NotEmpty(found);
        Assert.Contains(found, c => c.Chunk.Text.Contains("Notes on c", StringComparison.Ordinal));
        CapturingLogger.Entry fallback = Assert.Single(logger.Entries, e => e.EventId == 6);
        Assert.Equal(LogLevel.Information, fallback.Level);
        Assert.Contains("vector search only", fallback.Message, StringComparison.Ordinal);
        Assert.Contains(_folder.Path("data"), fallback.Message, StringComparison.Ordinal);
    }

    private static IAsyncEnumerable<IngestionItem> Items(string docs) =>
        new FileSystemDocumentSource(new FileSystemDocumentSourceOptions { Roots = { docs } }).EnumerateItemsAsync();

    private sealed class CapturingLogger : ILogger<LocalIndex>
    {
        public List<Entry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add(new Entry(logLevel, eventId.Id, formatter(state, exception)));
            }
        }

        public sealed record Entry(LogLevel Level, int EventId, string Message);
    }
}
