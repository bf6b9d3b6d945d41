namespace Llm.Stack.Local.Tests;

/// <summary>A write stream that fails as a full disk does once the disk's capacity has been written.</summary>
internal sealed class FullDiskStream(Stream inner, FullDiskStream.Disk disk) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Reserve(buffer.Length);
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reserve(buffer.Length);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Reserve(int count)
    {
        if (disk.Written + count > disk.Capacity)
        {
            throw new IOException("No space left on device");
        }

        disk.Written += count;
    }

    /// <summary>The capacity shared by the streams written to one disk.</summary>
    internal sealed class Disk(long capacity)
    {
        public long Capacity { get; } = capacity;

        public long Written { get; set; }
    }
}
