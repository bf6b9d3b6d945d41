using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// Ingests documents into any Microsoft.Extensions.VectorData collection: read → transform → chunk → embed (batched
/// by count and by tokens, with bounded parallelism) → upsert, incrementally.
/// </summary>
/// <remarks>
/// <para>
/// Incremental: an <see cref="IngestionState"/> records each document's content hash, version and chunk keys. An
/// unchanged document is skipped (a source item whose content hash is the recorded one is not even read). A changed
/// document's new chunks (keys derived from the new hash, tagged with the new version) are written before its old
/// chunks are deleted, so it is never missing from the store; chunks whose text did not change keep their
/// embeddings. Documents gone from the source are deleted. A version is recorded as pending before it is written, and
/// every other chunk of the document is deleted when it is committed, so that a run resumed after a crash leaves
/// neither duplicates nor orphans, and re-embeds only what was not written.
/// </para>
/// <para>
/// Durability: the pipeline calls <see cref="IngestionOptions.Checkpoint"/> every
/// <see cref="IngestionOptions.CheckpointInterval"/> chunks and at the end of a run, at a point where the state and
/// the store agree; persisting both there, atomically, makes ingestion crash-safe (<c>LocalIndex</c> does).
/// </para>
/// <para>
/// Large documents: a source item over 4 MiB whose stream can seek, read by <see cref="PlainTextReader"/> or
/// <see cref="MarkdownReader"/>, is never held whole. It is read twice, in sections of about 32K characters cut at
/// blank lines (outside Markdown code fences, with the heading path carried across): the first pass computes its hash
/// and counts its chunks, the second chunks each section, embeds its chunks in batches and writes each batch at once.
/// Each section passes through <see cref="IngestionOptions.Transforms"/> on its own (a transform that drops a section
/// leaves it out; one that drops them all drops the document); the document's text, to which the chunks' offsets
/// refer, is its transformed sections with a blank line put back between two that lack one. Other readers (HTML, JSON,
/// CSV, PDF, DOCX) parse the whole document; <see cref="IngestionOptions.MaxDocumentBytes"/> bounds them, and every item.
/// </para>
/// <para>
/// A document that cannot be read, transformed, chunked, embedded or written is reported as
/// <see cref="IngestionStatus.Failed"/> with its error; the others are ingested and what the store held for it is kept.
/// </para>
/// <para>
/// The pipeline is safe to use from several threads, but two runs must not write the same collection with the same
/// state at the same time. A run and each of its stages are spans of <see cref="LlmStackTelemetry.ActivitySourceName"/>
/// (<see cref="LlmStackTelemetry.IngestSpanName"/> and the <c>llm_stack.ingestion.*</c> names beside it); logs name
/// documents by id and never hold their text.
/// </para>
/// </remarks>
public sealed partial class IngestionPipeline
{
    private readonly EmbeddingBatcher _batcher;
    private readonly DocumentReaderRegistry _readers;
    private readonly IngestionOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, IngestionState> _memoryStates = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="IngestionPipeline"/> class.</summary>
    /// <param name="embeddingGenerator">The embedding generator.</param>
    /// <param name="chunker">
    /// The chunker; <see langword="null"/> for a <see cref="RecursiveChunker"/> of <see cref="IngestionOptions.MaxChunkTokens"/>
    /// tokens that counts with the generator's own tokenizer and stays within its input limit when it exposes
    /// <see cref="EmbeddingInputLimits"/> (see <see cref="CreateDefaultChunker"/>).
    /// </param>
    /// <param name="readers">
    /// The readers for content items, chosen by media type (its parameters, such as <c>charset</c>, ignored) through a
    /// <see cref="DocumentReaderRegistry"/>: for a media type several read, the last wins. <see cref="PlainTextReader"/>
    /// and <see cref="MarkdownReader"/> read plain text and Markdown when none is given for them.
    /// </param>
    /// <param name="options">The default options of every run; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="embeddingGenerator"/> is <see langword="null"/>.</exception>
    public IngestionPipeline(
        IEmbeddingGenerator<string, Embedding<float>> embeddingGenerator,
        ITextChunker? chunker = null,
        IEnumerable<IDocumentReader>? readers = null,
        IngestionOptions? options = null,
        ILogger<IngestionPipeline>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(embeddingGenerator);
        _batcher = new EmbeddingBatcher(embeddingGenerator);
        _options = options?.Clone() ?? new IngestionOptions();
        Chunker = chunker ?? CreateDefaultChunker(embeddingGenerator, _options.MaxChunkTokens);
        // Plain text and Markdown are always readable; the readers given come after, so that theirs win.
        _readers = new DocumentReaderRegistry([new PlainTextReader(), new MarkdownReader(), .. readers ?? []]);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the chunker the pipeline uses.</summary>
    public ITextChunker Chunker { get; }

    /// <summary>
    /// Creates the chunker the pipeline uses by default: a <see cref="RecursiveChunker"/> that counts with the
    /// generator's tokenizer and clamps <paramref name="maxTokens"/> to its input limit when the generator returns
    /// <see cref="EmbeddingInputLimits"/> from <c>GetService</c>; otherwise one that counts <c>cl100k_base</c> tokens.
    /// </summary>
    /// <param name="embeddingGenerator">The embedding generator; <see langword="null"/> when there is none.</param>
    /// <param name="maxTokens">The wanted maximum number of tokens of a chunk.</param>
    /// <returns>The chunker.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTokens"/> is less than 4.</exception>
    public static RecursiveChunker CreateDefaultChunker(IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator, int maxTokens = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 4);
        var options = new RecursiveChunkerOptions { MaxTokens = maxTokens };
        if (embeddingGenerator?.GetService(typeof(EmbeddingInputLimits)) is EmbeddingInputLimits limits)
        {
            options.Tokenizer = limits.Tokenizer;
            options.MaxTokens = Math.Max(4, Math.Min(maxTokens, limits.MaxInputTokens));
        }

        return new RecursiveChunker(options);
    }

    /// <summary>Ingests the items of a source (files, blobs, records …) into a collection, incrementally.</summary>
    /// <param name="source">The items; an item's content is opened and read inside the pipeline, so that a bad item fails alone.</param>
    /// <param name="collection">The collection to write; it is created when it does not exist.</param>
    /// <param name="options">The options of this run, merged over the pipeline's (<see cref="IngestionOptions.WithDefaults"/>); <see langword="null"/> for the pipeline's.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One result per document (and per item that could not be read), as each finishes, then one per document removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="collection"/> is <see langword="null"/>.</exception>
#pragma warning disable RS0026 // Two sources (items or documents), both with optional options, as MEAI's overloads.
    public IAsyncEnumerable<IngestionResult> IngestAsync(
        IAsyncEnumerable<IngestionItem> source,
        VectorStoreCollection<string, ChunkRecord> collection,
        IngestionOptions? options = null,
        CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(collection);
        return RunAsync(source, collection, options?.WithDefaults(_options) ?? _options.Clone(), cancellationToken);
    }

    /// <summary>Ingests documents already read into a collection, incrementally.</summary>
    /// <param name="documents">The documents.</param>
    /// <param name="collection">The collection to write; it is created when it does not exist.</param>
    /// <param name="options">The options of this run, merged over the pipeline's (<see cref="IngestionOptions.WithDefaults"/>); <see langword="null"/> for the pipeline's.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One result per document, as each finishes, then one per document removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="documents"/> or <paramref name="collection"/> is <see langword="null"/>.</exception>
#pragma warning disable RS0026 // See above.
    public IAsyncEnumerable<IngestionResult> IngestAsync(
        IAsyncEnumerable<Document> documents,
        VectorStoreCollection<string, ChunkRecord> collection,
        IngestionOptions? options = null,
        CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(collection);
        return RunAsync(documents.Select(IngestionItem.FromDocument), collection, options?.WithDefaults(_options) ?? _options.Clone(), cancellationToken);
    }

    /// <summary>Ingests the files of a <see cref="FileSystemDocumentSource"/> into a collection, incrementally.</summary>
    /// <param name="source">The file-system source; its files are read with the pipeline's readers, chosen by media type.</param>
    /// <param name="collection">The collection to write; it is created when it does not exist.</param>
    /// <param name="options">The options of this run, merged over the pipeline's (<see cref="IngestionOptions.WithDefaults"/>); <see langword="null"/> for the pipeline's.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>One result per document (and per file that could not be read), as each finishes, then one per document removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="collection"/> is <see langword="null"/>.</exception>
    /// <remarks>A file whose content hash is the one recorded at its last successful ingestion is not read again.</remarks>
#pragma warning disable RS0026 // See above.
    public IAsyncEnumerable<IngestionResult> IngestAsync(
        FileSystemDocumentSource source,
        VectorStoreCollection<string, ChunkRecord> collection,
        IngestionOptions? options = null,
        CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(collection);
        return RunAsync(source.EnumerateItemsAsync(cancellationToken), collection, options?.WithDefaults(_options) ?? _options.Clone(), cancellationToken);
    }

    private async IAsyncEnumerable<IngestionResult> RunAsync(
        IAsyncEnumerable<IngestionItem> source,
        VectorStoreCollection<string, ChunkRecord> collection,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestSpanName);
        activity?.SetTag(TelemetryTags.DbCollectionName, collection.Name);
        IngestionLog.RunStarted(_logger, collection.Name);

        await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        IngestionState state = options.State ?? _memoryStates.GetOrAdd(collection.Name, _ => new IngestionState());
        using var writer = new ChunkStoreWriter(collection, state, options);
        using var run = new Run(writer, options);
        var channel = Channel.CreateUnbounded<IngestionResult>(new UnboundedChannelOptions { SingleReader = true });
        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = ProduceAsync(source, run, channel.Writer, runCancellation.Token);
        bool completed = false;
        try
        {
            await foreach (IngestionResult result in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return result;
            }

            await producer.ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            await runCancellation.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (Exception) when (runCancellation.IsCancellationRequested)
            {
                // The consumer stopped early or the run failed; its exception has already been observed above.
            }

            if (!completed && !writer.CheckpointFailed)
            {
                // Stopped early (cancelled, or a failure of the source or the store): keep the work done so far. The
                // state and the store agree at every point between two writes, so this checkpoint is as good as any.
                try
                {
                    await writer.CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    IngestionLog.CheckpointFailed(_logger, collection.Name, e);
                }
            }

            IngestionLog.RunFinished(_logger, collection.Name, run.Documents, run.Failed, run.Chunks, (long)run.Clock.Elapsed.TotalMilliseconds);
        }
    }

    private async Task ProduceAsync(IAsyncEnumerable<IngestionItem> source, Run run, ChannelWriter<IngestionResult> writer, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        using var documentGate = new SemaphoreSlim(run.Options.MaxDegreeOfParallelism);
        try
        {
            await foreach (IngestionItem item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (!run.SeenSources.TryAdd(item.Id, 0))
                {
                    throw new InvalidOperationException($"The source yielded the item '{item.Id}' twice; item identifiers must be unique.");
                }

                await documentGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                tasks.Add(ProcessItemAsync(item, run, writer, documentGate, cancellationToken));
                tasks.RemoveAll(t => t.IsCompletedSuccessfully);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
            if (run.Options.RemoveMissingDocuments)
            {
                await RemoveMissingAsync(run, writer, cancellationToken).ConfigureAwait(false);
            }

            await run.Writer.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (Exception e)
        {
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Each item reports its own failure; the run's failure is e.
            }

            writer.TryComplete(e);
        }
    }

    private async Task ProcessItemAsync(IngestionItem item, Run run, ChannelWriter<IngestionResult> writer, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            if (item.Document is Document document)
            {
                run.SeenDocuments.TryAdd(document.Id, 0);
                Report(run, writer, await ProcessDocumentAsync(document, item.Id, run, cancellationToken).ConfigureAwait(false));
                return;
            }

            if (item.ContentHash is not null && run.Writer.State.GetUnchangedItem(item.Id, item.ContentHash) is { } unchanged)
            {
                foreach ((string id, DocumentState entry) in unchanged)
                {
                    run.SeenDocuments.TryAdd(id, 0);
                    Report(run, writer, new IngestionResult(id, IngestionStatus.Unchanged) { Source = item.Source, Version = entry.Version, ChunkCount = entry.Keys.Count });
                }

                return;
            }

            try
            {
                using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestReadSpanName);
                activity?.SetTag(TelemetryTags.DocumentId, item.Id);
                string mediaType = item.MediaType ?? DocumentMediaTypes.PlainText;
                if (!_readers.TryGetReader(mediaType, out IDocumentReader? reader))
                {
                    throw new NotSupportedException($"No document reader is registered for the media type '{mediaType}' of '{item.Id}'. Registered: {string.Join(", ", _readers.MediaTypes)}.");
                }

                Stream stream = await item.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    if (stream.CanSeek && stream.Length > run.Options.MaxDocumentBytes)
                    {
                        throw new InvalidDataException(
                            $"'{item.Id}' is {stream.Length} bytes, larger than the limit of {run.Options.MaxDocumentBytes} bytes ({IngestionOptions.MaxDocumentBytesSetting}).");
                    }

                    var context = new DocumentReadContext(item.Id) { Source = item.Source, MediaType = mediaType, Metadata = item.Metadata };
                    if (reader is ISectionedTextReader sectioned && stream.CanSeek && stream.Length > SectionedReadThresholdBytes)
                    {
                        // A large plain-text or Markdown file: read, chunked and embedded section by section (IngestionPipeline.Sections.cs).
                        run.SeenDocuments.TryAdd(item.Id, 0);
                        Report(run, writer, await ProcessSectionsAsync(sectioned, stream, context, item.ContentHash, run, cancellationToken).ConfigureAwait(false));
                        return;
                    }

                    var limited = new LimitedReadStream(stream, run.Options.MaxDocumentBytes, item.Id);
                    await foreach (Document read in reader.ReadAsync(limited, context, cancellationToken).ConfigureAwait(false))
                    {
                        run.SeenDocuments.TryAdd(read.Id, 0);
                        IngestionResult result = await ProcessDocumentAsync(read, item.Id, run, cancellationToken, item.ContentHash).ConfigureAwait(false);
                        Report(run, writer, read.Metadata.TryGetValue(DocumentMetadataKeys.TextEncoding, out object? encoding) && encoding is string name
                            ? result with { TextEncoding = name }
                            : result);
                    }
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !run.Writer.CheckpointFailed)
            {
                run.FailedSources.TryAdd(item.Id, 0);
                IngestionLog.DocumentFailed(_logger, item.Id, e);
                Report(run, writer, new IngestionResult(item.Id, IngestionStatus.Failed) { Source = item.Source, Error = e });
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IngestionResult> ProcessDocumentAsync(Document document, string sourceId, Run run, CancellationToken cancellationToken, string? sourceHash = null)
    {
        using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestDocumentSpanName);
        activity?.SetTag(TelemetryTags.DocumentId, document.Id);
        ChunkStoreWriter store = run.Writer;
        DocumentState? entry = store.State.Get(document.Id);
        ChunkKeySet? written = null;
        try
        {
            Document? transformed = await TransformAsync(document, run.Options, cancellationToken).ConfigureAwait(false);
            if (transformed is null)
            {
                return await DropAsync(document.Id, document.Source, entry, store, cancellationToken).ConfigureAwait(false);
            }

            if (string.IsNullOrWhiteSpace(transformed.Text))
            {
                throw new InvalidDataException($"The document '{document.Id}' has no text.");
            }

            string hash = Hash(transformed.MediaType + "\n" + transformed.Text);
            if (entry is not null && entry.Hash == hash && entry.PendingKeys is null)
            {
                return await UnchangedAsync(document.Id, document.Source, entry, sourceId, sourceHash, store, cancellationToken).ConfigureAwait(false);
            }

            if (entry?.PendingHash is not null)
            {
                IngestionLog.Resuming(_logger, document.Id);
            }

            IReadOnlyList<DocumentChunk> chunks;
            using (LlmStackTelemetry.Start(LlmStackTelemetry.IngestChunkSpanName))
            {
                chunks = await Chunker.ChunkAsync(transformed, cancellationToken).ConfigureAwait(false);
            }

            if (chunks.Count == 0)
            {
                throw new InvalidDataException($"The document '{document.Id}' gave no chunks.");
            }

            long version = entry is null ? 1 : entry.Hash == hash ? entry.Version : entry.Version + 1;
            string prefix = hash[..12];
            var keys = new List<string>(chunks.Count);
            var chunkHashes = new List<string>(chunks.Count);
            foreach (DocumentChunk chunk in chunks)
            {
                keys.Add(ChunkKey(document.Id, prefix, chunk.Ordinal));
                chunkHashes.Add(Hash(chunk.Text));
            }

            // Vectors of chunks whose text is already stored (the previous version, or what a crashed run wrote of this one).
            var vectors = new ReadOnlyMemory<float>?[chunks.Count];
            int reused = entry is null ? 0 : await ReuseEmbeddingsAsync(store.Collection, entry.Keys.Union(entry.PendingKeys), chunkHashes, vectors, cancellationToken).ConfigureAwait(false);

            ChunkKeySet keySet = ChunkKeySet.From(keys);
            await store.BeginAsync(document.Id, entry, Pending(entry, sourceId, hash, keySet), cancellationToken).ConfigureAwait(false);
            written = keySet;

            string source = transformed.Source?.ToString() ?? string.Empty;
            List<ChunkRecord> Records(IEnumerable<int> indexes) => [.. indexes.Select(i =>
                NewRecord(keys[i], chunks[i], chunks[i].Ordinal, chunks[i].Start, chunkHashes[i], document.Id, source, hash, version, vectors[i]!.Value))];

            if (reused > 0)
            {
                await store.UpsertAsync(Records(Enumerable.Range(0, chunks.Count).Where(i => vectors[i] is not null)), cancellationToken).ConfigureAwait(false);
            }

            // Each embedded batch is written at once, so that a checkpoint within a long document keeps it.
            int embedded = await _batcher.EmbedAsync(chunks, vectors, run.Options, run.EmbeddingGate, async batch =>
            {
                await store.UpsertAsync(Records(batch), cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref run.Embeddings, batch.Count);
            }, cancellationToken).ConfigureAwait(false);

            IngestionResult done = await CommitAsync(document.Id, document.Source, entry, sourceId, sourceHash, hash, version, keySet, embedded, run, cancellationToken).ConfigureAwait(false);
            written = null;
            return done;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && !store.CheckpointFailed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return await FailAsync(document.Id, document.Source, entry, written, e, store, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Document?> TransformAsync(Document document, IngestionOptions options, CancellationToken cancellationToken)
    {
        using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestTransformSpanName);
        Document? transformed = document;
        foreach (IDocumentTransform transform in options.Transforms)
        {
            transformed = await transform.TransformAsync(transformed, cancellationToken).ConfigureAwait(false);
            if (transformed is null)
            {
                break;
            }
        }

        return transformed;
    }

    /// <summary>A document a transform dropped: removed from the store when it was there.</summary>
    private static async Task<IngestionResult> DropAsync(string documentId, Uri? source, DocumentState? entry, ChunkStoreWriter store, CancellationToken cancellationToken)
    {
        if (entry is null)
        {
            return new IngestionResult(documentId, IngestionStatus.Skipped) { Source = source };
        }

        int removed = await store.RemoveAsync(documentId, entry, cancellationToken).ConfigureAwait(false);
        return new IngestionResult(documentId, IngestionStatus.Removed) { Source = source, ChunkCount = removed };
    }

    private static async Task<IngestionResult> UnchangedAsync(
        string documentId, Uri? source, DocumentState entry, string sourceId, string? sourceHash, ChunkStoreWriter store, CancellationToken cancellationToken)
    {
        if (entry.SourceHash != sourceHash || entry.SourceId != sourceId)
        {
            entry.SourceHash = sourceHash;
            entry.SourceId = sourceId;
            await store.SetAsync(documentId, entry, cancellationToken).ConfigureAwait(false);
        }

        return new IngestionResult(documentId, IngestionStatus.Unchanged) { Source = source, Version = entry.Version, ChunkCount = entry.Keys.Count };
    }

    /// <summary>The state recorded before a new version's chunks are written: the committed version, and every key the new one may write.</summary>
    private static DocumentState Pending(DocumentState? entry, string sourceId, string hash, ChunkKeySet keys) => new()
    {
        SourceId = sourceId,
        SourceHash = entry?.SourceHash,
        Hash = entry?.Hash ?? string.Empty,
        Version = entry?.Version ?? 0,
        Keys = entry?.Keys ?? ChunkKeySet.Empty,
        PendingHash = hash,
        PendingKeys = keys.Union(entry?.PendingHash == hash ? entry.PendingKeys : null),
    };

    private async Task<IngestionResult> CommitAsync(
        string documentId, Uri? source, DocumentState? entry, string sourceId, string? sourceHash, string hash, long version, ChunkKeySet keys, int embedded, Run run, CancellationToken cancellationToken)
    {
        var committed = new DocumentState { SourceId = sourceId, SourceHash = sourceHash, Hash = hash, Version = version, Keys = keys };
        await run.Writer.CommitAsync(documentId, committed, entry?.Keys.Union(entry.PendingKeys) ?? ChunkKeySet.Empty, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref run.Chunks, keys.Count);

        IngestionStatus status = entry is null || entry.Keys.Count == 0 ? IngestionStatus.Added : IngestionStatus.Changed;
        LlmStackTelemetry.CountIngested(keys.Count);
        IngestionLog.DocumentDone(_logger, documentId, status, version, keys.Count);
        return new IngestionResult(documentId, status) { Source = source, Version = version, ChunkCount = keys.Count, ReusedEmbeddings = keys.Count - embedded };
    }

    /// <summary>A document that failed: what its new version wrote is deleted and the previous version kept.</summary>
    private async Task<IngestionResult> FailAsync(
        string documentId, Uri? source, DocumentState? entry, ChunkKeySet? written, Exception error, ChunkStoreWriter store, CancellationToken cancellationToken)
    {
        IngestionLog.DocumentFailed(_logger, documentId, error);
        if (written is not null)
        {
            try
            {
                await store.RollBackAsync(documentId, entry, written, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception rollback) when (!cancellationToken.IsCancellationRequested && !store.CheckpointFailed)
            {
                // The pending version stays recorded: the next run deletes or completes it.
                IngestionLog.DocumentFailed(_logger, documentId, rollback);
            }
        }

        return new IngestionResult(documentId, IngestionStatus.Failed) { Source = source, Error = error, Version = entry?.Version ?? 0 };
    }

    private static string ChunkKey(string documentId, string prefix, int ordinal) => ChunkKeySet.Key(KeyStem(documentId, prefix), ordinal);

    /// <summary>The part of a version's chunk keys before the ordinal: <c>{documentId}#{prefix}</c>.</summary>
    private static string KeyStem(string documentId, string prefix) => documentId + "#" + prefix;

    private static ChunkRecord NewRecord(
        string key, DocumentChunk chunk, int ordinal, int start, string contentHash, string documentId, string source, string hash, long version, ReadOnlyMemory<float> vector) => new()
    {
        Key = key,
        Text = chunk.Text,
        DocumentId = documentId,
        Source = source,
        PageNumber = chunk.PageNumber ?? 0,
        SectionPath = string.Join(" > ", chunk.SectionPath),
        Ordinal = ordinal,
        Start = start,
        Length = chunk.Length,
        ContentHash = contentHash,
        DocumentHash = hash,
        DocumentVersion = version,
        Embedding = vector,
    };

    /// <summary>Sets the vector of every chunk whose text one of the <paramref name="candidates"/> records holds.</summary>
    private static async Task<int> ReuseEmbeddingsAsync(
        VectorStoreCollection<string, ChunkRecord> collection, ChunkKeySet candidates, List<string> chunkHashes, ReadOnlyMemory<float>?[] vectors, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
        {
            return 0;
        }

        var wanted = new HashSet<string>(chunkHashes, StringComparer.Ordinal);
        var vectorByHash = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        foreach (string[] batch in candidates.Chunk(1024))
        {
            await foreach (ChunkRecord record in collection.GetAsync(batch, new RecordRetrievalOptions { IncludeVectors = true }, cancellationToken).ConfigureAwait(false))
            {
                if (record.Embedding.Length > 0 && wanted.Contains(record.ContentHash))
                {
                    vectorByHash[record.ContentHash] = record.Embedding;
                }
            }
        }

        int reused = 0;
        for (int i = 0; i < chunkHashes.Count; i++)
        {
            if (vectorByHash.TryGetValue(chunkHashes[i], out ReadOnlyMemory<float> vector))
            {
                vectors[i] = vector;
                reused++;
            }
        }

        return reused;
    }

    private async Task RemoveMissingAsync(Run run, ChannelWriter<IngestionResult> writer, CancellationToken cancellationToken)
    {
        foreach ((string id, DocumentState entry) in run.Writer.State.Snapshot())
        {
            if (run.SeenDocuments.ContainsKey(id) || run.FailedSources.ContainsKey(entry.SourceId))
            {
                continue;
            }

            try
            {
                int removed = await run.Writer.RemoveAsync(id, entry, cancellationToken).ConfigureAwait(false);
                IngestionLog.DocumentRemoved(_logger, id, removed);
                Report(run, writer, new IngestionResult(id, IngestionStatus.Removed) { ChunkCount = removed });
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !run.Writer.CheckpointFailed)
            {
                IngestionLog.DocumentFailed(_logger, id, e);
                Report(run, writer, new IngestionResult(id, IngestionStatus.Failed) { Error = e, Version = entry.Version });
            }
        }
    }

    private static void Report(Run run, ChannelWriter<IngestionResult> writer, IngestionResult result)
    {
        int documents = Interlocked.Increment(ref run.DocumentsField);
        int failed = result.Status == IngestionStatus.Failed ? Interlocked.Increment(ref run.FailedField) : Volatile.Read(ref run.FailedField);
        writer.TryWrite(result);
        run.Options.Progress?.Report(new IngestionProgress(documents, failed, Interlocked.Read(ref run.Chunks), Interlocked.Read(ref run.Embeddings), run.Clock.Elapsed));
    }

    private static string Hash(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>The state of one run.</summary>
    private sealed class Run(ChunkStoreWriter writer, IngestionOptions options) : IDisposable
    {
#pragma warning disable SA1401, CA1051 // Counters updated with Interlocked.
        public int DocumentsField;
        public int FailedField;
        public long Chunks;
        public long Embeddings;
#pragma warning restore SA1401, CA1051

        public ChunkStoreWriter Writer { get; } = writer;

        public IngestionOptions Options { get; } = options;

        public SemaphoreSlim EmbeddingGate { get; } = new(options.MaxDegreeOfParallelism);

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public ConcurrentDictionary<string, byte> SeenSources { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, byte> SeenDocuments { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, byte> FailedSources { get; } = new(StringComparer.Ordinal);

        public int Documents => Volatile.Read(ref DocumentsField);

        public int Failed => Volatile.Read(ref FailedField);

        public void Dispose() => EmbeddingGate.Dispose();
    }
}
