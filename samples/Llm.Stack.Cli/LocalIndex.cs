using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Cli;

/// <summary>
/// The index under the data directory: the in-memory vector store's snapshot of the chunk collection, the ingestion
/// manifest, and <c>index.json</c>, which records the embedder the vectors came from so that embedders are never mixed.
/// </summary>
internal sealed class LocalIndex : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly InMemoryVectorStore _store = new();
    private VectorStoreCollection<string, ChunkRecord>? _collection;

    public LocalIndex(string dataDirectory, string collectionName, IEmbeddingGenerator<string, Embedding<float>> embedder)
    {
        DataDirectory = dataDirectory;
        CollectionName = collectionName;
        _embedder = embedder;
    }

    public string DataDirectory { get; }

    public string CollectionName { get; }

    public string SnapshotPath => Path.Combine(DataDirectory, CollectionName + ".llmsi");

    public string ManifestPath => Path.Combine(DataDirectory, "manifest.json");

    public string MetadataPath => Path.Combine(DataDirectory, "index.json");

    public VectorStoreCollection<string, ChunkRecord> Collection =>
        _collection ?? throw new InvalidOperationException("Open the index first.");

    public EmbedderIdentity Embedder => EmbedderIdentity.Of(_embedder);

    /// <summary>Reads what the index on disk says about itself, without loading it.</summary>
    public IndexMetadata? ReadMetadata()
    {
        if (!File.Exists(MetadataPath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<IndexMetadata>(File.ReadAllText(MetadataPath));
        }
        catch (JsonException e)
        {
            throw new CliException($"The index metadata '{MetadataPath}' is corrupt ({e.Message}). Run again with --rebuild.");
        }
    }

    /// <summary>Loads the index, or starts an empty one; refuses one built with another embedder.</summary>
    public async Task OpenAsync(bool rebuild, CancellationToken cancellationToken)
    {
        if (rebuild)
        {
            foreach (string path in new[] { SnapshotPath, ManifestPath, MetadataPath })
            {
                DeleteIfExists(path);
            }
        }

        EmbedderIdentity current = Embedder;
        IndexMetadata? metadata = ReadMetadata();
        if (metadata is not null && (metadata.EmbeddingModel != current.ModelId || metadata.Dimensions != current.Dimensions))
        {
            throw new CliException(
                $"The index in '{DataDirectory}' was built with the embedder '{metadata.EmbeddingModel}' ({metadata.Dimensions} dimensions), " +
                $"but the configured embedder is '{current.ModelId}' ({current.Dimensions} dimensions). Vectors of different embedders cannot be compared: " +
                "run the command again with --rebuild to re-embed every document.");
        }

        if (File.Exists(SnapshotPath))
        {
            // A manifest written after the last snapshot describes chunks the snapshot may not hold (the run was killed
            // between the two): drop it, and the next ingest re-checks every document; chunk keys come from content
            // hashes, so nothing is duplicated.
            if (File.Exists(ManifestPath) && File.GetLastWriteTimeUtc(ManifestPath) > File.GetLastWriteTimeUtc(SnapshotPath).AddSeconds(1))
            {
                DeleteIfExists(ManifestPath);
            }

            try
            {
                await _store.LoadCollectionFromFileAsync(SnapshotPath, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw new CliException($"The index '{SnapshotPath}' cannot be read: {e.Message} Run again with --rebuild.");
            }
        }
        else
        {
            DeleteIfExists(ManifestPath);
        }

        _collection = _store.GetCollection<string, ChunkRecord>(CollectionName, ChunkRecord.CreateDefinition(current.Dimensions));
        await _collection.EnsureCollectionExistsAsync(cancellationToken);
    }

    /// <summary>Writes the snapshot (atomically) and then the metadata.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        await _store.SaveCollectionToFileAsync(CollectionName, SnapshotPath, cancellationToken);
        EmbedderIdentity current = Embedder;
        var metadata = new IndexMetadata(current.ModelId, current.Dimensions, Count, DateTimeOffset.UtcNow);
        string temp = MetadataPath + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(metadata, Indented), cancellationToken);
        File.Move(temp, MetadataPath, overwrite: true);
    }

    public void Dispose() => _store.Dispose();

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    public int Count => _store.GetCollectionInfo(CollectionName)?.Count ?? 0;

    public IRetriever CreateRetriever() =>
        new VectorStoreRetriever<string, ChunkRecord>(Collection, ToChunk, _embedder);

    public static DocumentChunk ToChunk(ChunkRecord record) =>
        new(record.DocumentId, record.Ordinal, record.Text)
        {
            Id = record.Key,
            Start = record.Start,
            Length = record.Length,
            PageNumber = record.PageNumber > 0 ? record.PageNumber : null,
            SectionPath = string.IsNullOrEmpty(record.SectionPath) ? [] : record.SectionPath.Split(" > "),
            Metadata = { ["source"] = record.Source },
        };
}

/// <summary>What <c>index.json</c> records.</summary>
internal sealed record IndexMetadata(string EmbeddingModel, int Dimensions, int Chunks, DateTimeOffset SavedAt);

/// <summary>The identity of an embedder: its model id and dimensions.</summary>
internal sealed record EmbedderIdentity(string ModelId, int Dimensions)
{
    public static EmbedderIdentity Of(IEmbeddingGenerator<string, Embedding<float>> embedder)
    {
        var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
        return new EmbedderIdentity(
            metadata?.DefaultModelId ?? embedder.GetType().Name,
            metadata?.DefaultModelDimensions ?? 0);
    }
}
