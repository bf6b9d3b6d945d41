namespace Llm.Stack;

/// <summary>The media types of the built-in readers, and the mapping from file extensions to them.</summary>
/// <remarks>This type is stateless and thread-safe.</remarks>
public static class DocumentMediaTypes
{
    /// <summary>Plain text: <c>text/plain</c>.</summary>
    public const string PlainText = "text/plain";

    /// <summary>Markdown: <c>text/markdown</c>.</summary>
    public const string Markdown = "text/markdown";

    /// <summary>HTML: <c>text/html</c>.</summary>
    public const string Html = "text/html";

    /// <summary>XHTML: <c>application/xhtml+xml</c>.</summary>
    public const string Xhtml = "application/xhtml+xml";

    /// <summary>A JSON document (an array of records, or one record): <c>application/json</c>.</summary>
    public const string Json = "application/json";

    /// <summary>JSON Lines, one record per line: <c>application/jsonl</c>.</summary>
    public const string JsonLines = "application/jsonl";

    /// <summary>Newline-delimited JSON, the older name of JSON Lines: <c>application/x-ndjson</c>.</summary>
    public const string NdJson = "application/x-ndjson";

    /// <summary>Comma-separated values (RFC 4180): <c>text/csv</c>.</summary>
    public const string Csv = "text/csv";

    /// <summary>PDF: <c>application/pdf</c>.</summary>
    public const string Pdf = "application/pdf";

    /// <summary>Word (Office Open XML): <c>application/vnd.openxmlformats-officedocument.wordprocessingml.document</c>.</summary>
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    private static readonly Dictionary<string, string> ExtensionMap = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = PlainText,
        [".text"] = PlainText,
        [".log"] = PlainText,
        [".md"] = Markdown,
        [".markdown"] = Markdown,
        [".mdown"] = Markdown,
        [".htm"] = Html,
        [".html"] = Html,
        [".xhtml"] = Xhtml,
        [".json"] = Json,
        [".jsonl"] = JsonLines,
        [".ndjson"] = NdJson,
        [".csv"] = Csv,
        [".pdf"] = Pdf,
        [".docx"] = Docx,
    };

    /// <summary>Gets the built-in mapping from file extensions (with the dot, case-insensitive) to media types.</summary>
    public static IReadOnlyDictionary<string, string> ByExtension => ExtensionMap;

    /// <summary>Gets the media type of a file from its extension.</summary>
    /// <param name="path">A file name or path.</param>
    /// <returns>The media type, or <see langword="null"/> when the extension is not known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    public static string? FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path);
        return ExtensionMap.TryGetValue(extension, out string? mediaType) ? mediaType : null;
    }

    /// <summary>Returns the media type without parameters, trimmed and in lower case (<c>Text/HTML; charset=utf-8</c> → <c>text/html</c>).</summary>
    internal static string Normalize(string mediaType)
    {
        int semicolon = mediaType.IndexOf(';', StringComparison.Ordinal);
        ReadOnlySpan<char> bare = semicolon >= 0 ? mediaType.AsSpan(0, semicolon) : mediaType.AsSpan();
        return bare.Trim().ToString().ToLowerInvariant();
    }
}
