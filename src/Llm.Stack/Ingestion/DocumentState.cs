using System.Text.Json.Serialization;

namespace Llm.Stack;

/// <summary>What the store holds for one document: its committed version and, while one is being written or deleted, pending keys.</summary>
/// <remarks>
/// Invariant kept by <see cref="ChunkStoreWriter"/> at every checkpoint: each key in <see cref="Keys"/> is in the store,
/// and each key of the document in the store is in <see cref="Keys"/> or <see cref="PendingKeys"/>.
/// </remarks>
internal sealed class DocumentState
{
    public string SourceId { get; set; } = string.Empty;

    /// <summary>The content hash of the source item the document was read from, when the source gives one.</summary>
    public string? SourceHash { get; set; }

    /// <summary>The hash of the committed text; empty when unknown (a state rebuilt from the store), which makes the next run read the document again.</summary>
    public string Hash { get; set; } = string.Empty;

    public long Version { get; set; }

    public ChunkKeySet Keys { get; set; } = ChunkKeySet.Empty;

    /// <summary>The hash of a version being written and not yet committed (a crash leaves it here).</summary>
    public string? PendingHash { get; set; }

    /// <summary>Keys that may be in the store beside <see cref="Keys"/>: a version being written, or one being deleted.</summary>
    public ChunkKeySet? PendingKeys { get; set; }

    public DocumentState Clone() => new()
    {
        SourceId = SourceId,
        SourceHash = SourceHash,
        Hash = Hash,
        Version = Version,
        Keys = Keys,
        PendingHash = PendingHash,
        PendingKeys = PendingKeys,
    };
}

/// <summary>The serialized form of an <see cref="IngestionState"/>.</summary>
internal sealed class IngestionStateFile
{
    /// <summary>The current format: 2 writes a document's chunk keys as runs (<see cref="ChunkKeySet"/>); 1 listed every key, and reads the same way.</summary>
    public const int CurrentFormat = 2;

    public int Format { get; set; } = CurrentFormat;

    public Dictionary<string, DocumentState> Documents { get; set; } = new(StringComparer.Ordinal);
}

[JsonSerializable(typeof(IngestionStateFile))]
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class IngestionStateJsonContext : JsonSerializerContext;
