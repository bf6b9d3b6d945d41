namespace Llm.Stack;

/// <summary>A file found by a <see cref="FileSystemDocumentSource"/>, with what change detection needs.</summary>
/// <param name="RelativePath">The path relative to its root, with <c>/</c> separators on every platform; the document id.</param>
/// <param name="FullPath">The absolute path of the file.</param>
/// <param name="MediaType">The media type, from the file's extension.</param>
/// <param name="Length">The size in bytes when it was hashed.</param>
/// <param name="LastWriteTimeUtc">The last write time when it was hashed.</param>
/// <param name="ContentHash">The SHA-256 of the content, as 64 lower-case hexadecimal digits.</param>
/// <remarks>Instances are immutable and thread-safe.</remarks>
public sealed record SourceFile(string RelativePath, string FullPath, string MediaType, long Length, DateTimeOffset LastWriteTimeUtc, string ContentHash);
