using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Llm.Stack.VectorIndex;

/// <content>Persistence: the versioned, checksummed binary format (<see cref="Save"/> and <see cref="Load"/>).</content>
public sealed partial class Bm25Index<TKey>
{
    private const int FormatVersion = 1;
    private static readonly byte[] Magic = "LSBM25IX"u8.ToArray();

    /// <summary>Writes the index to a stream in a versioned binary format with a SHA-256 checksum.</summary>
    /// <param name="stream">The stream to write to; the index is written at its current position and the stream is left open.</param>
    /// <param name="keyWriter">
    /// Writes one key; <see langword="null"/> when <typeparamref name="TKey"/> is <see cref="string"/>, <see cref="Guid"/>,
    /// <see cref="int"/> or <see cref="long"/>, which are written directly. <see cref="Load"/> must then be given a matching reader.
    /// </param>
    /// <remarks>
    /// The format: the 8 ASCII bytes <c>LSBM25IX</c>, a 32-bit format version, the 64-bit payload length, the payload, and
    /// the SHA-256 of the payload. The payload holds the options, the terms and each live document's key and term
    /// frequencies (postings are rebuilt on load). The written size is exactly what <see cref="Load"/> reads, so the index
    /// can be embedded in a larger file. Concurrent searches may run while saving; writers wait.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="TKey"/> needs a <paramref name="keyWriter"/>.</exception>
    public void Save(Stream stream, Action<BinaryWriter, TKey>? keyWriter = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        byte kind = keyWriter is null ? Bm25KeyCodec<TKey>.BuiltInKind : (byte)0;
        if (keyWriter is null && kind == 0)
        {
            throw new InvalidOperationException($"Keys of type {typeof(TKey)} are not written by default: pass a key writer (and a matching key reader to Load).");
        }

        var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            _lock.EnterReadLock();
            try
            {
                WritePayload(writer, kind, keyWriter);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }

        byte[] buffer = payload.GetBuffer();
        int length = (int)payload.Length;
        Span<byte> header = stackalloc byte[20];
        Magic.CopyTo(header);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header[12..], length);
        stream.Write(header);
        stream.Write(buffer, 0, length);
        stream.Write(SHA256.HashData(buffer.AsSpan(0, length)));
    }

    private void WritePayload(BinaryWriter writer, byte kind, Action<BinaryWriter, TKey>? keyWriter)
    {
        writer.Write(kind);
        writer.Write(_options.K1);
        writer.Write(_options.B);
        writer.Write(_options.FoldDiacritics);
        writer.Write(_options.RemoveStopWords);
        writer.Write((byte)_options.Stemmer);
        writer.Write(_options.MaxTokenLength);

        // Only terms that a live document contains, renumbered densely in first-use order.
        var remap = new int[_termCount];
        Array.Fill(remap, -1);
        var used = new List<int>();
        for (int doc = 0; doc < _docCount; doc++)
        {
            if (_lengths[doc] < 0)
            {
                continue;
            }

            int start = _docTermStart[doc];
            for (int i = 0; i < _docTermCount[doc]; i++)
            {
                int term = _docTerms[start + (2 * i)];
                if (remap[term] < 0)
                {
                    remap[term] = used.Count;
                    used.Add(term);
                }
            }
        }

        writer.Write7BitEncodedInt(used.Count);
        foreach (int term in used)
        {
            writer.Write(_terms[term]);
        }

        writer.Write7BitEncodedInt(_liveCount);
        for (int doc = 0; doc < _docCount; doc++)
        {
            if (_lengths[doc] < 0)
            {
                continue;
            }

            if (keyWriter is null)
            {
                Bm25KeyCodec<TKey>.Write(writer, _keys[doc]);
            }
            else
            {
                keyWriter(writer, _keys[doc]);
            }

            int start = _docTermStart[doc];
            writer.Write7BitEncodedInt(_docTermCount[doc]);
            for (int i = 0; i < _docTermCount[doc]; i++)
            {
                writer.Write7BitEncodedInt(remap[_docTerms[start + (2 * i)]]);
                writer.Write7BitEncodedInt(_docTerms[start + (2 * i) + 1]);
            }
        }
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <param name="stream">The stream to read from, at the position where the index was written; left open, positioned just after the index.</param>
    /// <param name="keyReader">
    /// Reads one key, matching the key writer given to <see cref="Save"/>; <see langword="null"/> for the built-in key types.
    /// </param>
    /// <param name="comparer">The key comparer of the loaded index; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</param>
    /// <returns>The loaded index, with the options it was saved with.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">
    /// The data is not a BM25 index, has an unsupported version, is truncated, fails its checksum, was saved with another
    /// key type, or is inconsistent. The message says which.
    /// </exception>
    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types",
        Justification = "TKey cannot be inferred from a stream, so a generic method elsewhere would need it spelled out just the same.")]
    public static Bm25Index<TKey> Load(Stream stream, Func<BinaryReader, TKey>? keyReader = null, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }

        Span<byte> header = stackalloc byte[20];
        ReadExactly(stream, header, "header");
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a BM25 index: the header magic 'LSBM25IX' is missing.");
        }

        int version = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported BM25 index format version {version}; this library reads version {FormatVersion}.");
        }

        long length = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(header[12..]);
        if (length < 0 || length > Array.MaxLength)
        {
            throw new InvalidDataException($"Corrupt BM25 index: invalid payload length {length}.");
        }

        if (stream.CanSeek && stream.Length - stream.Position < length + 32)
        {
            throw new InvalidDataException($"Truncated BM25 index: the payload needs {length + 32} bytes, the stream has {stream.Length - stream.Position} left.");
        }

        var payload = new byte[length];
        ReadExactly(stream, payload, "payload");
        Span<byte> checksum = stackalloc byte[32];
        ReadExactly(stream, checksum, "checksum");
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(checksum))
        {
            throw new InvalidDataException("Corrupt BM25 index: the SHA-256 checksum of the payload does not match.");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            return ReadPayload(reader, keyReader, comparer);
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or ArgumentException or OverflowException or DecoderFallbackException)
        {
            throw new InvalidDataException($"Corrupt BM25 index: {ex.Message}", ex);
        }
    }

    private static Bm25Index<TKey> ReadPayload(BinaryReader reader, Func<BinaryReader, TKey>? keyReader, IEqualityComparer<TKey>? comparer)
    {
        byte kind = reader.ReadByte();
        byte expected = keyReader is null ? Bm25KeyCodec<TKey>.BuiltInKind : (byte)0;
        if (kind != expected)
        {
            throw new InvalidDataException(
                $"The BM25 index was saved with {Bm25KeyCodec<TKey>.KindName(kind)} keys, but is loaded as {typeof(TKey)} keys " +
                (keyReader is null ? "without a key reader." : "with a key reader."));
        }

        var options = new Bm25Options();
        try
        {
            options.K1 = reader.ReadDouble();
            options.B = reader.ReadDouble();
            options.FoldDiacritics = reader.ReadBoolean();
            options.RemoveStopWords = reader.ReadBoolean();
            options.Stemmer = (Bm25Stemmer)reader.ReadByte();
            options.MaxTokenLength = reader.ReadInt32();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException($"Corrupt BM25 index: invalid options ({ex.Message}).", ex);
        }

        int termCount = ReadCount(reader, "term count");
        var terms = new string[termCount];
        var seen = new HashSet<string>(termCount, StringComparer.Ordinal);
        for (int i = 0; i < termCount; i++)
        {
            terms[i] = reader.ReadString();
            if (terms[i].Length == 0 || !seen.Add(terms[i]))
            {
                throw new InvalidDataException($"Corrupt BM25 index: term {i} is empty or repeated.");
            }
        }

        int docCount = ReadCount(reader, "document count");
        var keys = new TKey[docCount];
        var counts = new int[docCount];
        var pairs = new int[Math.Max(64, (int)Math.Min(reader.BaseStream.Length, 1 << 20))];
        int pairsLength = 0;
        for (int d = 0; d < docCount; d++)
        {
            TKey key = keyReader is null ? Bm25KeyCodec<TKey>.Read(reader) : keyReader(reader);
            if (key is null)
            {
                throw new InvalidDataException($"Corrupt BM25 index: document {d} has a null key.");
            }

            int distinct = ReadCount(reader, "term count of a document");
            if (pairsLength + (2 * distinct) > pairs.Length)
            {
                Array.Resize(ref pairs, Math.Max(pairsLength + (2 * distinct), 2 * pairs.Length));
            }

            for (int i = 0; i < distinct; i++)
            {
                int term = reader.Read7BitEncodedInt();
                int freq = reader.Read7BitEncodedInt();
                if ((uint)term >= (uint)termCount)
                {
                    throw new InvalidDataException($"Corrupt BM25 index: document {d} refers to term {term} of {termCount}.");
                }

                if (freq <= 0)
                {
                    throw new InvalidDataException($"Corrupt BM25 index: document {d} has a term frequency of {freq}.");
                }

                pairs[pairsLength++] = term;
                pairs[pairsLength++] = freq;
            }

            keys[d] = key;
            counts[d] = distinct;
        }

        if (reader.BaseStream.Position != reader.BaseStream.Length)
        {
            throw new InvalidDataException("Corrupt BM25 index: unexpected data after the last document.");
        }

        var index = new Bm25Index<TKey>(options, comparer);
        index.BuildFrom(terms, keys, counts, pairs.AsSpan(0, pairsLength).ToArray());
        return index;
    }

    private static int ReadCount(BinaryReader reader, string what)
    {
        int count = reader.Read7BitEncodedInt();
        if (count < 0 || count > reader.BaseStream.Length)
        {
            throw new InvalidDataException($"Corrupt BM25 index: invalid {what} {count}.");
        }

        return count;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw new InvalidDataException($"Truncated BM25 index: the stream ended in the {what} ({read} of {buffer.Length} bytes).");
        }
    }
}
