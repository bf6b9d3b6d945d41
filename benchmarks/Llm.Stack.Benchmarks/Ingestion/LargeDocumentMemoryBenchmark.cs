using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Llm.Stack.Benchmarks.Chunking;

namespace Llm.Stack.Benchmarks.Ingestion;

/// <summary>
/// Resident memory of ingesting one 15 MiB or 60 MiB document (issue 13: "large documents streamed so resident memory stays within
/// a small multiple of the largest chunk batch, not of the file"). The document is the chunking corpus
/// (<see cref="ChunkingCorpus"/>, whole files in name order, joined by blank lines, repeated from its start) cut at <see cref="DocumentMiB"/>, written once to a
/// temporary file as plain text and as Markdown. One operation ingests it through <see cref="IngestionPipeline"/> (its
/// default transforms and chunker, <c>cl100k_base</c> recursive at 512 tokens) with the cheap FNV embedder
/// (<see cref="FnvEmbeddingGenerator"/>, so the measure is the road, not a model) into a collection that keeps nothing
/// (<see cref="DiscardingChunkCollection"/>: a real store holds every chunk by design, which is not the road's memory),
/// saving the ingestion state at every checkpoint as the local index does (to <see cref="Stream.Null"/>).
/// Before each operation the GC runs and the kernel's peak resident size (VmHWM) is reset through
/// <c>/proc/self/clear_refs</c>; after it, the peak's growth over the resident size before is recorded. The cleanup
/// prints a <c>MEMORY</c> line per case and throws, failing the run, when the growth exceeded <see cref="BoundMegabytes"/>.
/// Linux only. Run with <c>--inProcess --strategy Monitoring --launchCount 1 --warmupCount 0 --iterationCount 2</c>.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "Nothing disposable is held.")]
public class LargeDocumentMemoryBenchmark
{
    /// <summary>The asserted bound on the growth of the peak resident size during one operation, in MiB.</summary>
    public const int BoundMegabytes = 160;

    private string _folder = string.Empty;
    private string _path = string.Empty;
    private long _baseline;
    private long _peakGrowth;
    private long _chunks;
    private long _largestBatchBytes;
    private int _largestBatchCount;

    /// <summary>Gets or sets the media type the document is read as: <c>text/plain</c> or <c>text/markdown</c>.</summary>
    [Params("text/plain", "text/markdown")]
    public string MediaType { get; set; } = "text/plain";

    /// <summary>Gets or sets the size of the document in MiB: two sizes show whether the growth follows the file.</summary>
    [Params(15, 60)]
    public int DocumentMiB { get; set; } = 60;

    private long DocumentBytes => DocumentMiB * 1024L * 1024;

    [GlobalSetup]
    public void Setup()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The benchmark reads /proc/self/status: run it on Linux.");
        }

        _folder = Path.Combine(Path.GetTempPath(), "llmstack-large-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(_folder);
        _path = Path.Combine(_folder, MediaType == "text/markdown" ? "large.md" : "large.txt");
        using (var output = new FileStream(_path, FileMode.Create, FileAccess.Write))
        {
            byte[] separator = "\n\n"u8.ToArray();

            // The corpus (about 55 MB) is repeated from its start until the document is full.
            for (int pass = 0; output.Length < DocumentBytes - separator.Length && pass < 4; pass++)
            {
                foreach ((_, string text) in ChunkingCorpus.Files())
                {
                    byte[] bytes = Encoding.UTF8.GetBytes(text);
                    int take = (int)Math.Min(bytes.Length, DocumentBytes - output.Length);
                    while (take > 0 && take < bytes.Length && (bytes[take] & 0xC0) == 0x80)
                    {
                        take--; // never cut inside a UTF-8 sequence
                    }

                    output.Write(bytes, 0, take);
                    if (output.Length + separator.Length >= DocumentBytes)
                    {
                        break;
                    }

                    output.Write(separator);
                }
            }

            if (output.Length < DocumentBytes - 1024)
            {
                throw new InvalidOperationException($"The corpus gave only {output.Length} bytes.");
            }
        }

        _peakGrowth = 0;
    }

    [IterationSetup]
    public void BeforeOperation()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current resident size
        _baseline = Resident("VmRSS");
    }

    [IterationCleanup]
    public void AfterOperation()
    {
        _peakGrowth = Math.Max(_peakGrowth, Resident("VmHWM") - _baseline);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        long fileBytes = new FileInfo(_path).Length;
        long growthMb = _peakGrowth / (1024 * 1024);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// MEMORY {MediaType} {DocumentMiB} MiB: document {fileBytes / 1e6:F1} MB, {_chunks} chunks; largest batch written {_largestBatchCount} chunks, {_largestBatchBytes / 1024.0:F0} KiB; " +
            $"peak resident growth {growthMb} MiB = {(double)_peakGrowth / fileBytes:F2}x the file = {(double)_peakGrowth / Math.Max(1, _largestBatchBytes):F0}x the largest batch (bound {BoundMegabytes} MiB)"));
        Directory.Delete(_folder, recursive: true);
        if (growthMb > BoundMegabytes)
        {
            throw new InvalidOperationException($"Ingesting a {fileBytes / 1e6:F1} MB document grew the peak resident size by {growthMb} MiB, above the bound of {BoundMegabytes} MiB.");
        }
    }

    /// <summary>Ingests the document; returns its chunk count.</summary>
    [Benchmark]
    public long IngestLargeDocument() => IngestAsync().GetAwaiter().GetResult();

    private async Task<long> IngestAsync()
    {
        var collection = new DiscardingChunkCollection("large");
        // The state is saved at each checkpoint (every CheckpointInterval chunks), as the local index does, to a stream that keeps nothing.
        var state = new IngestionState();
        var pipeline = new IngestionPipeline(new FnvEmbeddingGenerator(), options: new IngestionOptions
        {
            MaxDegreeOfParallelism = 1,
            State = state,
            Checkpoint = cancellationToken => state.SaveAsync(Stream.Null, cancellationToken),
        });
        string path = _path;
        var item = new IngestionItem(Path.GetFileName(path), _ => Task.FromResult<Stream>(File.OpenRead(path))) { MediaType = MediaType };
        long chunks = 0;
        await foreach (IngestionResult result in pipeline.IngestAsync(new[] { item }.ToAsyncEnumerable(), collection))
        {
            if (result.Status != IngestionStatus.Added)
            {
                throw new InvalidOperationException($"{result.DocumentId}: {result.Status} {result.Error}");
            }

            chunks += result.ChunkCount;
        }

        if (collection.Records != chunks)
        {
            throw new InvalidOperationException($"{chunks} chunks were reported but {collection.Records} written.");
        }

        _chunks = chunks;
        _largestBatchBytes = collection.LargestBatchBytes;
        _largestBatchCount = collection.LargestBatchCount;
        return chunks;
    }

    private static long Resident(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return 1024 * long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field}.");
    }
}
