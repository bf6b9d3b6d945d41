using System.Text.Json.Serialization;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// A record of the collection a <see cref="VectorStoreIngestionStateStore"/> keeps: one per document (its
/// <see cref="DocumentState"/> as JSON), the writer lease, and the embedder of the chunks. Every store can hold it: the marker vector is there only
/// because some stores (Chroma) need a vector in every record.
/// </summary>
internal sealed class IngestionStateRecord
{
    public const string DocumentKind = "document";
    public const string LeaseKind = "lease";
    public const string EmbedderKind = "embedder";
    public const string DocumentKeyPrefix = "d:";
    public const string LeaseKey = "w:writer";
    public const string EmbedderKey = "e:embedder";

    public static readonly ReadOnlyMemory<float> Marker = new float[] { 1f };

    public static readonly VectorStoreCollectionDefinition Definition = new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Key), typeof(string)),
            new VectorStoreDataProperty(nameof(Kind), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Value), typeof(string)),
            new VectorStoreVectorProperty(nameof(Vector), typeof(ReadOnlyMemory<float>), 1) { DistanceFunction = DistanceFunction.CosineSimilarity },
        ],
    };

    public string Key { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public string Value { get; set; } = string.Empty;

    public ReadOnlyMemory<float> Vector { get; set; } = Marker;
}

/// <summary>Who holds the writer lease of a <see cref="VectorStoreIngestionStateStore"/>, and until when.</summary>
internal sealed class IngestionLeaseValue
{
    public string Owner { get; set; } = string.Empty;

    public string Host { get; set; } = string.Empty;

    public int ProcessId { get; set; }

    /// <summary>The lease ends at this time (Unix milliseconds, UTC) unless its holder renews it.</summary>
    public long ExpiresAt { get; set; }
}

/// <summary>The embedder whose vectors the chunks hold, as a <see cref="VectorStoreIngestionStateStore"/> records it.</summary>
internal sealed class IngestionEmbedderValue
{
    public string ModelId { get; set; } = string.Empty;

    public int Dimensions { get; set; }
}

[JsonSerializable(typeof(DocumentState))]
[JsonSerializable(typeof(IngestionEmbedderValue))]
[JsonSerializable(typeof(IngestionLeaseValue))]
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class IngestionStateRecordJsonContext : JsonSerializerContext;
