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
/// Incremental: each document's content hash is kept in a manifest with its version and chunk keys. An unchanged
/// document is skipped. A changed document's new chunks (keys derived from the new hash, tagged with the new
/// version) are written before its old chunks are deleted, so it is never missing from the store; chunks whose text
/// did not change keep their embeddings. Documents gone from the source are deleted. The manifest records a
/// version as pending before it is written, so that a run that crashed resumes without duplicates or orphans.
/// </para>
/// <para>
/// A document that cannot be read, transformed, chunked, embedded or written is reported as
/// <see cref="IngestionStatus.Failed"/> with its error; the others are ingested and what the store held for it is kept.
/// </para>
/// <para>
/// The pipeline is safe to use from several threads, but two runs must not write the same collection with the same
/// manifest at the same time. Each stage runs in an OpenTelemetry activity of the <see cref="ActivitySourceName"/> source.
/// </para>
/// </remarks>
public sealed class IngestionPipeline
{
    /// <summary>The name of the <see cref="ActivitySource"/> the pipeline's activities come from.</summary>
    public const string ActivitySourceName = "Llm.Stack.Ingestion";

    private const int UpsertBatchSize = 256;
    private static readonly ActivitySource _activitySource = new(ActivitySourceName);
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddingGenerator;
    private readonly IReadOnlyList<IDocumentReader> _readers;
    private readonly Utf8TextReader _fallbackReader = new();
    private readonly IngestionOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Dictionary<string, ManifestEntry>> _memoryManifests = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="IngestionPipeline"/> class.</summary>
    /// <param name="embeddingGenerator">The embedding generator.</param>
    /// <param name="chunker">
    /// The chunker; <see langword="null"/> for a <see cref="RecursiveChunker"/> of <see cref="IngestionOptions.MaxChunkTokens"/>
    /// tokens that counts with the generator's own tokenizer and stays within its input limit when it exposes
    /// <see cref="EmbeddingInputLimits"/> (see <see cref="CreateDefaultChunker"/>).
    /// </param>
    /// <param name="readers">The readers for content items, chosen by media type; plain text and Markdown are read as strict UTF-8 when none is given for them.</param>
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
        _embeddingGenerator = embeddingGenerator;
        _options = options?.Clone() ?? new IngestionOptions();
        Chunker = chunker ?? CreateDefaultChunker(embeddingGenerator, _options.MaxChunkTokens);
        _readers = [.. readers ?? []];
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
    /// <param name="options">The options of this run; <see langword="null"/> for the pipeline's.</param>
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
        return RunAsync(source, collection, (options ?? _options).Clone(), cancellationToken);
    }

    /// <summary>Ingests documents already read into a collection, incrementally.</summary>
    /// <param name="documents">The documents.</param>
    /// <param name="collection">The collection to write; it is created when it does not exist.</param>
    /// <param name="options">The options of this run; <see langword="null"/> for the pipeline's.</param>
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
        return RunAsync(documents.Select(IngestionItem.FromDocument), collection, (options ?? _options).Clone(), cancellationToken);
    }

    /// <summary>Ingests the files of a <see cref="FileSystemDocumentSource"/> into a collection, incrementally.</summary>
    /// <param name="source">The file-system source; its files are read with the pipeline's readers, chosen by media type.</param>
    /// <param name="collection">The collection to write; it is created when it does not exist.</param>
    /// <param name="options">The options of this run; <see langword="null"/> for the pipeline's.</param>
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
        return RunAsync(ToItems(source, cancellationToken), collection, (options ?? _options).Clone(), cancellationToken);

        static async IAsyncEnumerable<IngestionItem> ToItems(FileSystemDocumentSource source, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (SourceFile file in source.EnumerateFilesAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new IngestionItem(file.RelativePath, _ => Task.FromResult<Stream>(new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)))
                {
                    Source = new Uri(file.FullPath),
                    MediaType = file.MediaType,
                    ContentHash = file.ContentHash,
                    Metadata = new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        [FileSystemDocumentSource.PathMetadataKey] = file.RelativePath,
                        [FileSystemDocumentSource.ContentHashMetadataKey] = file.ContentHash,
                        [FileSystemDocumentSource.LengthMetadataKey] = file.Length,
                        [FileSystemDocumentSource.LastWriteTimeMetadataKey] = file.LastWriteTimeUtc,
                    },
                };
            }
        }
    }

    private async IAsyncEnumerable<IngestionResult> RunAsync(
        IAsyncEnumerable<IngestionItem> source,
        VectorStoreCollection<string, ChunkRecord> collection,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using Activity? activity = _activitySource.StartActivity("ingest");
        activity?.SetTag("db.collection.name", collection.Name);
        IngestionLog.RunStarted(_logger, collection.Name);

        await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        IngestionManifest manifest = options.ManifestPath is null
            ? IngestionManifest.InMemory(_memoryManifests.GetOrAdd(collection.Name, _ => new Dictionary<string, ManifestEntry>(StringComparer.Ordinal)))
            : await IngestionManifest.LoadAsync(options.ManifestPath, cancellationToken).ConfigureAwait(false);

        var run = new Run(collection, manifest, options);
        var channel = Channel.CreateUnbounded<IngestionResult>(new UnboundedChannelOptions { SingleReader = true });
        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = ProduceAsync(source, run, channel.Writer, runCancellation.Token);
        try
        {
            await foreach (IngestionResult result in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return result;
            }

            await producer.ConfigureAwait(false);
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

            manifest.Dispose();
            run.Dispose();
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

            await run.Manifest.CompactAsync(cancellationToken).ConfigureAwait(false);
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

            if (item.ContentHash is not null && TrySkipUnchangedItem(item, run, writer))
            {
                return;
            }

            try
            {
                using Activity? activity = _activitySource.StartActivity("ingest.read");
                activity?.SetTag("llmstack.item.id", item.Id);
                string mediaType = item.MediaType ?? "text/plain";
                // The reader registered last for a media type wins, as in DocumentReaderRegistry.
                IDocumentReader reader = _readers.LastOrDefault(r => r.MediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
                    ?? (_fallbackReader.MediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? _fallbackReader : null)
                    ?? throw new NotSupportedException($"No document reader is registered for the media type '{mediaType}' of '{item.Id}'.");
                Stream stream = await item.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    if (stream.CanSeek && stream.Length > run.Options.MaxDocumentBytes)
                    {
                        throw new InvalidDataException(
                            $"'{item.Id}' is {stream.Length} bytes, larger than the limit of {run.Options.MaxDocumentBytes} bytes ({nameof(IngestionOptions)}.{nameof(IngestionOptions.MaxDocumentBytes)}).");
                    }

                    var limited = new LimitedReadStream(stream, run.Options.MaxDocumentBytes, item.Id);
                    var context = new DocumentReadContext(item.Id) { Source = item.Source, MediaType = mediaType, Metadata = item.Metadata };
                    await foreach (Document read in reader.ReadAsync(limited, context, cancellationToken).ConfigureAwait(false))
                    {
                        run.SeenDocuments.TryAdd(read.Id, 0);
                        Report(run, writer, await ProcessDocumentAsync(read, item.Id, run, cancellationToken, item.ContentHash).ConfigureAwait(false));
                    }
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
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

    /// <summary>Reports every document of an item as unchanged, without reading it, when the item's content hash is the one recorded.</summary>
    private static bool TrySkipUnchangedItem(IngestionItem item, Run run, ChannelWriter<IngestionResult> writer)
    {
        List<KeyValuePair<string, ManifestEntry>> entries = [.. run.Manifest.Snapshot().Where(e => e.Value.SourceId == item.Id)];
        if (entries.Count == 0 || entries.Any(e => e.Value.SourceHash != item.ContentHash || e.Value.PendingHash is not null))
        {
            return false;
        }

        foreach ((string id, ManifestEntry entry) in entries)
        {
            run.SeenDocuments.TryAdd(id, 0);
            Report(run, writer, new IngestionResult(id, IngestionStatus.Unchanged) { Source = item.Source, Version = entry.Version, ChunkCount = entry.Keys.Count });
        }

        return true;
    }

    private async Task<IngestionResult> ProcessDocumentAsync(Document document, string sourceId, Run run, CancellationToken cancellationToken, string? sourceHash = null)
    {
        using Activity? activity = _activitySource.StartActivity("ingest.document");
        activity?.SetTag("llmstack.document.id", document.Id);
        try
        {
            Document? transformed = document;
            using (_activitySource.StartActivity("ingest.transform"))
            {
                foreach (IDocumentTransform transform in run.Options.Transforms)
                {
                    transformed = await transform.TransformAsync(transformed, cancellationToken).ConfigureAwait(false);
                    if (transformed is null)
                    {
                        break;
                    }
                }
            }

            ManifestEntry? entry = run.Manifest.Get(document.Id);
            if (transformed is null)
            {
                if (entry is null)
                {
                    return new IngestionResult(document.Id, IngestionStatus.Skipped) { Source = document.Source };
                }

                int removed = await RemoveAsync(document.Id, entry, run, cancellationToken).ConfigureAwait(false);
                return new IngestionResult(document.Id, IngestionStatus.Removed) { Source = document.Source, ChunkCount = removed };
            }

            if (string.IsNullOrWhiteSpace(transformed.Text))
            {
                throw new InvalidDataException($"The document '{document.Id}' has no text.");
            }

            string hash = Hash(transformed.MediaType + "\n" + transformed.Text);
            if (entry is not null && entry.Hash == hash)
            {
                if (entry.PendingKeys is not null)
                {
                    // An earlier run crashed while writing another version that is no longer wanted.
                    await DeleteAsync(run, entry.PendingKeys.Except(entry.Keys), cancellationToken).ConfigureAwait(false);
                    entry.PendingHash = null;
                    entry.PendingKeys = null;
                    entry.SourceHash = sourceHash;
                    await run.Manifest.SetAsync(document.Id, entry, cancellationToken).ConfigureAwait(false);
                }
                else if (entry.SourceHash != sourceHash)
                {
                    entry.SourceHash = sourceHash;
                    await run.Manifest.SetAsync(document.Id, entry, cancellationToken).ConfigureAwait(false);
                }

                return new IngestionResult(document.Id, IngestionStatus.Unchanged) { Source = document.Source, Version = entry.Version, ChunkCount = entry.Keys.Count };
            }

            if (entry?.PendingHash is not null)
            {
                IngestionLog.Resuming(_logger, document.Id);
                if (entry.PendingHash != hash)
                {
                    await DeleteAsync(run, entry.PendingKeys!.Except(entry.Keys), cancellationToken).ConfigureAwait(false);
                }
            }

            IReadOnlyList<DocumentChunk> chunks;
            using (_activitySource.StartActivity("ingest.chunk"))
            {
                chunks = await Chunker.ChunkAsync(transformed, cancellationToken).ConfigureAwait(false);
            }

            if (chunks.Count == 0)
            {
                throw new InvalidDataException($"The document '{document.Id}' gave no chunks.");
            }

            long version = (entry?.Version ?? 0) + 1;
            string prefix = hash[..12];
            var keys = new List<string>(chunks.Count);
            var chunkHashes = new List<string>(chunks.Count);
            foreach (DocumentChunk chunk in chunks)
            {
                keys.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{document.Id}#{prefix}#{chunk.Ordinal}"));
                chunkHashes.Add(Hash(chunk.Text));
            }

            var vectors = new ReadOnlyMemory<float>?[chunks.Count];
            int reused = entry is null ? 0 : await ReuseEmbeddingsAsync(entry, chunkHashes, vectors, run, cancellationToken).ConfigureAwait(false);

            ManifestEntry pending = entry?.Clone() ?? new ManifestEntry();
            pending.SourceId = sourceId;
            pending.PendingHash = hash;
            pending.PendingKeys = keys;
            await run.Manifest.SetAsync(document.Id, pending, cancellationToken).ConfigureAwait(false);

            await EmbedAsync(chunks, vectors, run, cancellationToken).ConfigureAwait(false);

            string source = transformed.Source?.ToString() ?? string.Empty;
            var records = new List<ChunkRecord>(chunks.Count);
            for (int i = 0; i < chunks.Count; i++)
            {
                DocumentChunk chunk = chunks[i];
                records.Add(new ChunkRecord
                {
                    Key = keys[i],
                    Text = chunk.Text,
                    DocumentId = document.Id,
                    Source = source,
                    PageNumber = chunk.PageNumber ?? 0,
                    SectionPath = string.Join(" > ", chunk.SectionPath),
                    Ordinal = chunk.Ordinal,
                    Start = chunk.Start,
                    Length = chunk.Length,
                    ContentHash = chunkHashes[i],
                    DocumentHash = hash,
                    DocumentVersion = version,
                    Embedding = vectors[i]!.Value,
                });
            }

            using (_activitySource.StartActivity("ingest.upsert"))
            {
                foreach (ChunkRecord[] batch in records.Chunk(UpsertBatchSize))
                {
                    await run.Collection.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }

            if (entry is not null)
            {
                // The new version is in the store: only now delete the old one.
                await DeleteAsync(run, entry.Keys.Except(keys, StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
            }

            var committed = new ManifestEntry { SourceId = sourceId, SourceHash = sourceHash, Hash = hash, Version = version, Keys = keys, ChunkHashes = chunkHashes };
            await run.Manifest.SetAsync(document.Id, committed, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref run.Chunks, chunks.Count);

            IngestionStatus status = entry is null || entry.Keys.Count == 0 ? IngestionStatus.Added : IngestionStatus.Changed;
            LlmStackTelemetry.CountIngested(chunks.Count);
            IngestionLog.DocumentDone(_logger, document.Id, status, version, chunks.Count);
            return new IngestionResult(document.Id, status) { Source = document.Source, Version = version, ChunkCount = chunks.Count, ReusedEmbeddings = reused };
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            IngestionLog.DocumentFailed(_logger, document.Id, e);
            return new IngestionResult(document.Id, IngestionStatus.Failed) { Source = document.Source, Error = e, Version = run.Manifest.Get(document.Id)?.Version ?? 0 };
        }
    }

    private static async Task<int> ReuseEmbeddingsAsync(ManifestEntry entry, List<string> chunkHashes, ReadOnlyMemory<float>?[] vectors, Run run, CancellationToken cancellationToken)
    {
        if (entry.Keys.Count == 0 || entry.ChunkHashes.Count != entry.Keys.Count)
        {
            return 0;
        }

        var oldKeyByHash = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < entry.Keys.Count; i++)
        {
            oldKeyByHash.TryAdd(entry.ChunkHashes[i], entry.Keys[i]);
        }

        var wanted = chunkHashes.Where(oldKeyByHash.ContainsKey).Distinct().Select(h => oldKeyByHash[h]).ToList();
        if (wanted.Count == 0)
        {
            return 0;
        }

        var vectorByHash = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        await foreach (ChunkRecord record in run.Collection.GetAsync(wanted, new RecordRetrievalOptions { IncludeVectors = true }, cancellationToken).ConfigureAwait(false))
        {
            if (record.Embedding.Length > 0)
            {
                vectorByHash[record.ContentHash] = record.Embedding;
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

    private async Task EmbedAsync(IReadOnlyList<DocumentChunk> chunks, ReadOnlyMemory<float>?[] vectors, Run run, CancellationToken cancellationToken)
    {
        var batches = new List<List<int>>();
        List<int>? current = null;
        int tokens = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            if (vectors[i] is not null)
            {
                continue;
            }

            int chunkTokens = chunks[i].TokenCount;
            if (current is null || current.Count >= run.Options.EmbeddingBatchSize || tokens + chunkTokens > run.Options.EmbeddingBatchTokens)
            {
                current = [];
                tokens = 0;
                batches.Add(current);
            }

            current.Add(i);
            tokens += chunkTokens;
        }

        await Task.WhenAll(batches.Select(async batch =>
        {
            await run.EmbeddingGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using Activity? activity = _activitySource.StartActivity("ingest.embed");
                activity?.SetTag("llmstack.embed.batch_size", batch.Count);
                GeneratedEmbeddings<Embedding<float>> embeddings = await _embeddingGenerator
                    .GenerateAsync(batch.Select(i => chunks[i].Text), cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                if (embeddings.Count != batch.Count)
                {
                    throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {batch.Count} inputs.");
                }

                for (int k = 0; k < batch.Count; k++)
                {
                    vectors[batch[k]] = embeddings[k].Vector;
                }

                Interlocked.Add(ref run.Embeddings, batch.Count);
            }
            finally
            {
                run.EmbeddingGate.Release();
            }
        })).ConfigureAwait(false);
    }

    private async Task RemoveMissingAsync(Run run, ChannelWriter<IngestionResult> writer, CancellationToken cancellationToken)
    {
        foreach ((string id, ManifestEntry entry) in run.Manifest.Snapshot())
        {
            if (run.SeenDocuments.ContainsKey(id) || run.FailedSources.ContainsKey(entry.SourceId))
            {
                continue;
            }

            try
            {
                int removed = await RemoveAsync(id, entry, run, cancellationToken).ConfigureAwait(false);
                IngestionLog.DocumentRemoved(_logger, id, removed);
                Report(run, writer, new IngestionResult(id, IngestionStatus.Removed) { ChunkCount = removed });
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                IngestionLog.DocumentFailed(_logger, id, e);
                Report(run, writer, new IngestionResult(id, IngestionStatus.Failed) { Error = e, Version = entry.Version });
            }
        }
    }

    private static async Task<int> RemoveAsync(string documentId, ManifestEntry entry, Run run, CancellationToken cancellationToken)
    {
        List<string> keys = [.. entry.Keys.Concat(entry.PendingKeys ?? []).Distinct(StringComparer.Ordinal)];
        await DeleteAsync(run, keys, cancellationToken).ConfigureAwait(false);
        await run.Manifest.SetAsync(documentId, null, cancellationToken).ConfigureAwait(false);
        return entry.Keys.Count;
    }

    private static async Task DeleteAsync(Run run, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        List<string> list = [.. keys];
        if (list.Count == 0)
        {
            return;
        }

        using Activity? activity = _activitySource.StartActivity("ingest.delete");
        activity?.SetTag("llmstack.delete.count", list.Count);
        await run.Collection.DeleteAsync(list, cancellationToken).ConfigureAwait(false);
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
    private sealed class Run(VectorStoreCollection<string, ChunkRecord> collection, IngestionManifest manifest, IngestionOptions options) : IDisposable
    {
#pragma warning disable SA1401, CA1051 // Counters updated with Interlocked.
        public int DocumentsField;
        public int FailedField;
        public long Chunks;
        public long Embeddings;
#pragma warning restore SA1401, CA1051

        public VectorStoreCollection<string, ChunkRecord> Collection { get; } = collection;

        public IngestionManifest Manifest { get; } = manifest;

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
