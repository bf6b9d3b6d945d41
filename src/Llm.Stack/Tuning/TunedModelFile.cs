using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// The container shared by the tuning files (<see cref="EmbeddingAdapter"/>, <see cref="EmbeddingClassifier"/>), version 1,
/// little-endian: an 8-byte magic, a 32-bit format version, the length and UTF-8 JSON of a header, the weights as 32-bit
/// floats, and the XxHash3-64 of everything before it. Writes are atomic (a temporary file renamed over the target).
/// </summary>
internal static class TunedModelFile
{
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>Lays out a file's bytes.</summary>
    public static byte[] Serialize(ReadOnlySpan<byte> magic, int version, ReadOnlySpan<byte> json, ReadOnlySpan<float> weights)
    {
        byte[] buffer = new byte[magic.Length + 4 + 4 + json.Length + (weights.Length * 4) + 8];
        Span<byte> span = buffer;
        magic.CopyTo(span);
        int offset = magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], version);
        offset += 4;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], json.Length);
        offset += 4;
        json.CopyTo(span[offset..]);
        offset += json.Length;
        foreach (float weight in weights)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[offset..], weight);
            offset += 4;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], XxHash3.HashToUInt64(span[..offset]));
        return buffer;
    }

    /// <summary>
    /// Checks a file's magic, version and checksum, and returns its header's JSON and its weights; every failure is an
    /// <see cref="InvalidDataException"/> naming <paramref name="source"/> and the <paramref name="kind"/> of file expected.
    /// </summary>
    public static (byte[] Json, float[] Weights) Deserialize(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> magic, int version, string source, string kind)
    {
        if (bytes.Length < magic.Length + 16 || !bytes.StartsWith(magic))
        {
            throw new InvalidDataException($"'{source}' is not an Llm.Stack {kind} file.");
        }

        int offset = magic.Length;
        int fileVersion = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
        if (fileVersion != version)
        {
            throw new InvalidDataException($"'{source}' is an {kind} of format version {fileVersion}; this version of Llm.Stack reads version {version}.");
        }

        ReadOnlySpan<byte> body = bytes[..^8];
        if (XxHash3.HashToUInt64(body) != BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]))
        {
            throw new InvalidDataException($"The {kind} '{source}' is damaged or truncated (its checksum does not match).");
        }

        offset += 4;
        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
        offset += 4;
        if (jsonLength <= 0 || jsonLength > MaxHeaderBytes || offset + jsonLength > body.Length)
        {
            throw new InvalidDataException($"The {kind} '{source}' has a damaged header.");
        }

        byte[] json = bytes.Slice(offset, jsonLength).ToArray();
        offset += jsonLength;
        ReadOnlySpan<byte> weightBytes = body[offset..];
        if (weightBytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"The {kind} '{source}' has a damaged weight section.");
        }

        float[] weights = new float[weightBytes.Length / 4];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = BinaryPrimitives.ReadSingleLittleEndian(weightBytes[(i * 4)..]);
        }

        return (json, weights);
    }

    /// <summary>The model id an embedder reports, or its type's name when it reports none: what a tuning file records.</summary>
    public static string EmbedderModelId(IEmbeddingGenerator<string, Embedding<float>> embedder) =>
        embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? embedder.GetType().Name;

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and flushes them to disk.</summary>
    public static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }
}
