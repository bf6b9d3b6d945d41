namespace Llm.Stack;

/// <summary>Tells text from binary by a file's first bytes, for files whose name gives no media type.</summary>
internal static class TextSniffer
{
    private const int SniffBytes = 8192;

    /// <summary>Returns <see langword="null"/> when the file's first bytes look like text, otherwise why they do not.</summary>
    public static string? Sniff(string path)
    {
        Span<byte> buffer = stackalloc byte[SniffBytes];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be read ({e.Message})";
        }

        ReadOnlySpan<byte> head = buffer[..read];
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) || head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return null;
        }

        if (read == 0)
        {
            return "it is empty";
        }

        int control = 0;
        foreach (byte b in head)
        {
            if (b == 0)
            {
                return "it looks binary (it contains NUL bytes)";
            }

            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or 0x1B))
            {
                control++;
            }
        }

        return control * 100 > read ? "it looks binary (control characters)" : null;
    }
}
