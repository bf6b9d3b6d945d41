using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>The road of a large plain-text or Markdown file: read, transformed, chunked, embedded and written section by section.</summary>
public sealed partial class IngestionPipeline
{
    /// <summary>Files larger than this, read by an <see cref="ISectionedTextReader"/> from a seekable stream, take the sectioned road.</summary>
    internal const long SectionedReadThresholdBytes = 4L * 1024 * 1024;

    /// <summary>The wanted size of a section, in characters.</summary>
    internal const int SectionChars = 32 * 1024;

    /// <summary>The page of stored chunks read at once when looking for reusable embeddings.</summary>
    private const int ReusePageSize = 256;

    /// <summary>
    /// Ingests a large document without holding its text: a first pass reads it section by section to compute its hash
    /// (the same one a whole read gives when the sections' transformed texts join to the whole's) and count its chunks, so
    /// that its chunk keys are recorded as pending before anything is written; a second pass reads it again, chunks each
    /// section, embeds its chunks in batches and writes each batch at once. The second pass must give the chunks of the
    /// first (a file changed in between fails, and what was written is rolled back).
    /// </summary>
    private async Task<IngestionResult> ProcessSectionsAsync(
        ISectionedTextReader reader, Stream stream, DocumentReadContext context, string? sourceHash, Run run, CancellationToken cancellationToken)
    {
        string documentId = context.DocumentId;
        using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestDocumentSpanName);
        activity?.SetTag(TelemetryTags.DocumentId, documentId);
        ChunkStoreWriter store = run.Writer;
        DocumentState? entry = store.State.Get(documentId);
        ChunkKeySet? written = null;
        Encoding? encoding = null;
        SectionScan scan;
        try
        {
            try
            {
                scan = await ScanSectionsAsync(reader, stream, context, encoding, run.Options, cancellationToken).ConfigureAwait(false);
            }
            catch (EncodingFallbackException)
            {
                encoding = TextDecoding.Windows1252;
                scan = await ScanSectionsAsync(reader, stream, context, encoding, run.Options, cancellationToken).ConfigureAwait(false);
            }

            if (scan.Sections == 0)
            {
                return WithEncoding(await DropAsync(documentId, context.Source, entry, store, cancellationToken).ConfigureAwait(false), scan);
            }

            if (!scan.HasText)
            {
                throw new InvalidDataException($"The document '{documentId}' has no text.");
            }

            if (entry is not null && entry.Hash == scan.Hash && entry.PendingKeys is null)
            {
                return WithEncoding(await UnchangedAsync(documentId, context.Source, entry, documentId, sourceHash, store, cancellationToken).ConfigureAwait(false), scan);
            }

            if (entry?.PendingHash is not null)
            {
                IngestionLog.Resuming(_logger, documentId);
            }

            if (scan.Chunks == 0)
            {
                throw new InvalidDataException($"The document '{documentId}' gave no chunks.");
            }

            string hash = scan.Hash;
            long version = entry is null ? 1 : entry.Hash == hash ? entry.Version : entry.Version + 1;
            // The keys are a run ({documentId}#{prefix}#0…n-1), never a list: nothing here grows with the chunk count.
            string stem = KeyStem(documentId, hash[..12]);
            ChunkKeySet keys = ChunkKeySet.Range(stem, scan.Chunks);
            await store.BeginAsync(documentId, entry, Pending(entry, documentId, hash, keys), cancellationToken).ConfigureAwait(false);
            written = keys;

            using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int embedded = 0;
            int chunkCount = 0;
            string source = scan.Source?.ToString() ?? string.Empty;
            await foreach (ChunkedSection section in ChunkSectionsAsync(reader, stream, context, encoding, run.Options, cancellationToken).ConfigureAwait(false))
            {
                IReadOnlyList<DocumentChunk> chunks = section.Chunks;
                if (chunks.Count == 0)
                {
                    continue;
                }

                if (section.FirstOrdinal + chunks.Count > scan.Chunks)
                {
                    throw ChangedWhileRead(documentId);
                }

                string[] chunkHashes = [.. chunks.Select(c => Hash(c.Text))];
                AppendDigest(digest, chunkHashes);
                var vectors = new ReadOnlyMemory<float>?[chunks.Count];
                // Where a stored chunk of the document (the previous version, or what a crashed run wrote of this one) holds a
                // chunk's text, its vector is reused: looked up by the section's chunk hashes, so that nothing is held across sections.
                int reused = entry is null ? 0 : await ReuseSectionEmbeddingsAsync(store.Collection, documentId, chunkHashes, vectors, cancellationToken).ConfigureAwait(false);

                List<ChunkRecord> Records(IEnumerable<int> indexes) => [.. indexes.Select(i =>
                {
                    int ordinal = section.FirstOrdinal + i;
                    int start = checked((int)(section.Offset + chunks[i].Start));
                    return NewRecord(ChunkKeySet.Key(stem, ordinal), chunks[i], ordinal, start, chunkHashes[i], documentId, source, hash, version, vectors[i]!.Value);
                })];

                if (reused > 0)
                {
                    await store.UpsertAsync(Records(Enumerable.Range(0, chunks.Count).Where(i => vectors[i] is not null)), cancellationToken).ConfigureAwait(false);
                }

                embedded += await _batcher.EmbedAsync(chunks, vectors, run.Options, run.EmbeddingGate, async batch =>
                {
                    await store.UpsertAsync(Records(batch), cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref run.Embeddings, batch.Count);
                }, cancellationToken).ConfigureAwait(false);
                chunkCount += chunks.Count;
            }

            if (chunkCount != scan.Chunks || !digest.GetHashAndReset().AsSpan().SequenceEqual(scan.ChunkDigest))
            {
                throw ChangedWhileRead(documentId);
            }

            IngestionResult done = await CommitAsync(documentId, context.Source, entry, documentId, sourceHash, hash, version, keys, embedded, run, cancellationToken).ConfigureAwait(false);
            written = null;
            return WithEncoding(done, scan);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && !store.CheckpointFailed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return await FailAsync(documentId, context.Source, entry, written, e, store, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first pass: the document's hash, its chunk count and a digest of its chunks' texts, one section at a time.</summary>
    private async Task<SectionScan> ScanSectionsAsync(
        ISectionedTextReader reader, Stream stream, DocumentReadContext context, Encoding? encoding, IngestionOptions options, CancellationToken cancellationToken)
    {
        using var documentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var scan = new SectionScan();
        IDictionary<string, object?>? metadata = null;
        await foreach (ChunkedSection section in ChunkSectionsAsync(reader, stream, context, encoding, options, cancellationToken).ConfigureAwait(false))
        {
            if (scan.Sections++ == 0)
            {
                documentHash.AppendData(Encoding.UTF8.GetBytes(section.Document.MediaType + "\n"));
                scan.Source = section.Document.Source;
            }

            // The sections share one metadata dictionary; the reader records the encoding once it is sure of it.
            metadata = section.Document.Metadata;

            documentHash.AppendData(Encoding.UTF8.GetBytes(section.Separator));
            documentHash.AppendData(Encoding.UTF8.GetBytes(section.Document.Text));
            scan.HasText |= !string.IsNullOrWhiteSpace(section.Document.Text);
            AppendDigest(digest, [.. section.Chunks.Select(c => Hash(c.Text))]);
            scan.Chunks += section.Chunks.Count;
        }

        scan.TextEncoding = metadata?.TryGetValue(DocumentMetadataKeys.TextEncoding, out object? name) == true ? name as string : null;
        scan.Hash = Convert.ToHexStringLower(documentHash.GetHashAndReset().AsSpan(0, 16));
        scan.ChunkDigest = digest.GetHashAndReset();
        return scan;
    }

    /// <summary>Reads the content from its start in sections, transforms each, and chunks it; a section a transform drops is left out.</summary>
    private async IAsyncEnumerable<ChunkedSection> ChunkSectionsAsync(
        ISectionedTextReader reader, Stream stream, DocumentReadContext context, Encoding? encoding, IngestionOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        stream.Position = 0;
        var limited = new LimitedReadStream(stream, options.MaxDocumentBytes, context.DocumentId);
        long offset = 0;
        int ordinal = 0;
        string? previous = null;
        await foreach (Document read in reader.ReadSectionsAsync(limited, context, encoding, SectionChars, cancellationToken).ConfigureAwait(false))
        {
            Document? transformed = await TransformAsync(read, options, cancellationToken).ConfigureAwait(false);
            if (transformed is null)
            {
                continue;
            }

            IReadOnlyList<DocumentChunk> chunks = [];
            if (!string.IsNullOrWhiteSpace(transformed.Text))
            {
                using Activity? activity = LlmStackTelemetry.Start(LlmStackTelemetry.IngestChunkSpanName);
                chunks = await Chunker.ChunkAsync(transformed, cancellationToken).ConfigureAwait(false);
            }

            // Sections are cut at paragraph breaks; a transform that trims a section's ends (the default normalisation
            // does) would join paragraphs, so a blank line is put back between two sections that lack one.
            string separator = previous is null ? string.Empty
                : previous.EndsWith("\n\n", StringComparison.Ordinal) || transformed.Text.StartsWith("\n\n", StringComparison.Ordinal) ? string.Empty
                : previous.EndsWith('\n') || transformed.Text.StartsWith('\n') ? "\n"
                : "\n\n";
            offset += separator.Length;
            yield return new ChunkedSection(transformed, chunks, offset, ordinal, separator);
            offset += transformed.Text.Length;
            ordinal += chunks.Count;
            previous = transformed.Text;
        }
    }

    /// <summary>Sets the vector of every chunk whose text a stored chunk of the same document holds, found by the chunks' hashes.</summary>
    private static async Task<int> ReuseSectionEmbeddingsAsync(
        VectorStoreCollection<string, ChunkRecord> collection, string documentId, string[] chunkHashes, ReadOnlyMemory<float>?[] vectors, CancellationToken cancellationToken)
    {
        string[] wanted = [.. chunkHashes.Distinct(StringComparer.Ordinal)];
        var vectorByHash = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        for (int skip = 0; vectorByHash.Count < wanted.Length; skip += ReusePageSize)
        {
            var options = new FilteredRecordRetrievalOptions<ChunkRecord> { IncludeVectors = true, Skip = skip, OrderBy = o => o.Ascending(r => r.Key) };
            int read = 0;
            await foreach (ChunkRecord record in collection.GetAsync(r => r.DocumentId == documentId && wanted.Contains(r.ContentHash), ReusePageSize, options, cancellationToken).ConfigureAwait(false))
            {
                read++;
                if (record.Embedding.Length > 0)
                {
                    vectorByHash.TryAdd(record.ContentHash, record.Embedding);
                }
            }

            if (read < ReusePageSize)
            {
                break;
            }
        }

        int reused = 0;
        for (int i = 0; i < chunkHashes.Length; i++)
        {
            if (vectorByHash.TryGetValue(chunkHashes[i], out ReadOnlyMemory<float> vector))
            {
                vectors[i] = vector;
                reused++;
            }
        }

        return reused;
    }

    private static void AppendDigest(IncrementalHash digest, IEnumerable<string> chunkHashes)
    {
        foreach (string chunkHash in chunkHashes)
        {
            digest.AppendData(Encoding.ASCII.GetBytes(chunkHash));
        }
    }

    private static IngestionResult WithEncoding(IngestionResult result, SectionScan scan) =>
        scan.TextEncoding is string name ? result with { TextEncoding = name } : result;

    private static InvalidDataException ChangedWhileRead(string documentId) =>
        new($"The document '{documentId}' changed while it was being read; ingest it again.");

    /// <summary>A transformed section, its chunks (ordinals and offsets relative to it), and where it starts in the document.</summary>
    /// <remarks>The document's text is its transformed sections, each after its <paramref name="Separator"/>.</remarks>
    private readonly record struct ChunkedSection(Document Document, IReadOnlyList<DocumentChunk> Chunks, long Offset, int FirstOrdinal, string Separator);

    /// <summary>What the first pass learns of a document.</summary>
    private sealed class SectionScan
    {
        public int Sections { get; set; }

        public int Chunks { get; set; }

        public bool HasText { get; set; }

        public string Hash { get; set; } = string.Empty;

        public byte[] ChunkDigest { get; set; } = [];

        public Uri? Source { get; set; }

        public string? TextEncoding { get; set; }
    }
}
