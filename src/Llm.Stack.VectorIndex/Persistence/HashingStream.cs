using System.IO.Hashing;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// A forward-only stream wrapper that hashes (XxHash3, 64-bit) every byte read or written through it. Reads are
/// buffered: the many small reads of record fields are served from a 1 MiB buffer and hashed in bulk when consumed,
/// large reads (vector blocks) go straight to the destination and are hashed there. Bytes after the hashed region
/// (the trailer) are read with <see cref="ReadUnhashed"/>.
/// </summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private const int BufferSize = 1 << 20;

    private readonly XxHash3 _hash = new();
    private byte[]? _buffer;
    private int _position;
    private int _length;
    private int _hashed;

    public long Position64 { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => Position64;
        set => throw new NotSupportedException();
    }

    /// <summary>Gets the hash of every byte consumed (read) or written so far.</summary>
    public ulong Hash
    {
        get
        {
            HashConsumed();
            return _hash.GetCurrentHashAsUInt64();
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_position < _length)
        {
            int n = Math.Min(buffer.Length, _length - _position);
            _buffer.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            Position64 += n;
            return n;
        }

        if (buffer.Length >= BufferSize / 2)
        {
            HashConsumed();
            int n = inner.Read(buffer);
            _hash.Append(buffer[..n]);
            Position64 += n;
            return n;
        }

        return Fill() ? Read(buffer) : 0;
    }

    public override int ReadByte()
    {
        if (_position < _length || Fill())
        {
            Position64++;
            return _buffer![_position++];
        }

        return -1;
    }

    /// <summary>Reads exactly <paramref name="destination"/>'s length of bytes without hashing them (the trailer after the hashed contents).</summary>
    /// <exception cref="EndOfStreamException">The stream ends first.</exception>
    public void ReadUnhashed(Span<byte> destination)
    {
        HashConsumed();
        int buffered = Math.Min(destination.Length, _length - _position);
        if (buffered > 0)
        {
            _buffer.AsSpan(_position, buffered).CopyTo(destination);
            _position += buffered;
            _hashed = _position;
        }

        inner.ReadExactly(destination[buffered..]);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        _hash.Append(buffer);
        Position64 += buffer.Length;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void HashConsumed()
    {
        if (_position > _hashed)
        {
            _hash.Append(_buffer.AsSpan(_hashed, _position - _hashed));
            _hashed = _position;
        }
    }

    private bool Fill()
    {
        HashConsumed();
        _buffer ??= new byte[BufferSize];
        _length = inner.Read(_buffer);
        _position = 0;
        _hashed = 0;
        return _length > 0;
    }
}
