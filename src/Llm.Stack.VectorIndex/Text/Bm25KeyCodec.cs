namespace Llm.Stack.VectorIndex;

/// <summary>Reads and writes the key types that <see cref="Bm25Index{TKey}"/> persists without a caller-supplied serializer.</summary>
internal static class Bm25KeyCodec<TKey>
    where TKey : notnull
{
    /// <summary>The tag stored in a snapshot: 0 for keys written by a caller-supplied delegate, else the built-in type.</summary>
    public static readonly byte BuiltInKind =
        typeof(TKey) == typeof(string) ? (byte)1 :
        typeof(TKey) == typeof(Guid) ? (byte)2 :
        typeof(TKey) == typeof(int) ? (byte)3 :
        typeof(TKey) == typeof(long) ? (byte)4 :
        (byte)0;

    public static string KindName(byte kind) => kind switch
    {
        0 => "custom",
        1 => "string",
        2 => "Guid",
        3 => "int",
        4 => "long",
        _ => $"unknown ({kind})",
    };

    public static void Write(BinaryWriter writer, TKey key)
    {
        switch (key)
        {
            case string s:
                writer.Write(s);
                break;
            case Guid g:
                Span<byte> bytes = stackalloc byte[16];
                g.TryWriteBytes(bytes);
                writer.Write(bytes);
                break;
            case int i:
                writer.Write(i);
                break;
            case long l:
                writer.Write(l);
                break;
            default:
                throw new InvalidOperationException($"Keys of type {typeof(TKey)} need a key writer.");
        }
    }

    public static TKey Read(BinaryReader reader)
    {
        object key = BuiltInKind switch
        {
            1 => reader.ReadString(),
            2 => new Guid(reader.ReadBytes(16)),
            3 => reader.ReadInt32(),
            4 => reader.ReadInt64(),
            _ => throw new InvalidOperationException($"Keys of type {typeof(TKey)} need a key reader."),
        };
        return (TKey)key;
    }
}
