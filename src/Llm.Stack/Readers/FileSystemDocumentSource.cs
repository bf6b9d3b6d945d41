using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace Llm.Stack;

/// <summary>
/// Lists the documents under one or more folders or files (include/exclude globs, media type by extension, text
/// sniffed in files without an extension), with the SHA-256 content hash of each, and hands them to an
/// <see cref="IngestionPipeline"/> as <see cref="IngestionItem"/>s (<see cref="EnumerateItemsAsync"/>) or reads them with
/// a <see cref="DocumentReaderRegistry"/>.
/// </summary>
/// <remarks>
/// <para>
/// A file's document id is its path relative to its root with <c>/</c> separators (<see cref="SourceFile.RelativePath"/>),
/// stable across runs, platforms and working directories; a root that is a file gives its file name. Every document
/// read gets the metadata entries <see cref="PathMetadataKey"/>, <see cref="ContentHashMetadataKey"/>,
/// <see cref="LengthMetadataKey"/> and <see cref="LastWriteTimeMetadataKey"/>.
/// </para>
/// <para>
/// Change detection is the pipeline's (its <see cref="IngestionState"/>): the content hash computed here travels with
/// each item, so that an unchanged file is hashed once and never read again. Files are hashed by streaming them, in
/// bounded memory. A file that disappears while being listed is treated as absent; a missing root throws rather than
/// reporting every file as deleted.
/// </para>
/// <para>This type is thread-safe: its methods may be called concurrently; each call walks the file system anew.</para>
/// </remarks>
public sealed class FileSystemDocumentSource
{
    /// <summary>The metadata key of the file's relative path.</summary>
    public const string PathMetadataKey = "source.path";

    /// <summary>The metadata key of the file's SHA-256 content hash (64 lower-case hexadecimal digits).</summary>
    public const string ContentHashMetadataKey = "source.contentHash";

    /// <summary>The metadata key of the file's size in bytes.</summary>
    public const string LengthMetadataKey = "source.length";

    /// <summary>The metadata key of the file's last write time (a UTC <see cref="DateTimeOffset"/>).</summary>
    public const string LastWriteTimeMetadataKey = "source.lastWriteTime";

    private const int HashBufferSize = 81920;

    private readonly string[] _roots;
    private readonly string[] _include;
    private readonly string[] _exclude;
    private readonly Dictionary<string, string> _mediaTypes;
    private readonly bool _ignoreCase;
    private readonly DocumentReaderRegistry? _readers;
    private readonly Action<string, string>? _skipped;

    /// <summary>Initializes a new instance of the <see cref="FileSystemDocumentSource"/> class.</summary>
    /// <param name="options">The roots, globs and media types.</param>
    /// <param name="readers">The readers used by <see cref="ReadAsync"/>; <see langword="null"/> when the source only lists files.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> has no root, or a root or pattern is empty.</exception>
    public FileSystemDocumentSource(FileSystemDocumentSourceOptions options, DocumentReaderRegistry? readers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Roots.Count == 0)
        {
            throw new ArgumentException("At least one root folder is required (FileSystemDocumentSourceOptions.Roots).", nameof(options));
        }

        if (options.Roots.Any(string.IsNullOrWhiteSpace) || options.Include.Any(string.IsNullOrWhiteSpace) || options.Exclude.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Roots and glob patterns must not be empty.", nameof(options));
        }

        _roots = [.. options.Roots.Select(Path.GetFullPath)];
        _include = options.Include.Count == 0 ? ["**/*"] : [.. options.Include];
        _exclude = [.. options.Exclude];
        _mediaTypes = new Dictionary<string, string>(options.MediaTypesByExtension, StringComparer.OrdinalIgnoreCase);
        _ignoreCase = options.IgnoreCase;
        _readers = readers;
        _skipped = options.FileSkipped;
    }

    /// <summary>Gets the absolute paths of the root folders.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>Lists the matching files with their size, last write time and content hash, sorted by relative path.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The files, hashed one at a time as the enumeration proceeds.</returns>
    /// <exception cref="DirectoryNotFoundException">A root folder does not exist.</exception>
    public async IAsyncEnumerable<SourceFile> EnumerateFilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach ((string relativePath, string fullPath, string mediaType) in ListFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            SourceFile? file = await DescribeAsync(relativePath, fullPath, mediaType, cancellationToken).ConfigureAwait(false);
            if (file is not null)
            {
                yield return file;
            }
        }
    }

    /// <summary>Lists the files as ingestion items: each carries its content hash, and is opened only when the pipeline reads it.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The items, in ordinal order of their relative paths.</returns>
    /// <exception cref="DirectoryNotFoundException">A root does not exist.</exception>
    public async IAsyncEnumerable<IngestionItem> EnumerateItemsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (SourceFile file in EnumerateFilesAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return CreateItem(file);
        }
    }

    /// <summary>Creates the ingestion item of a listed file: its id, media type, content hash and metadata, opened only when read.</summary>
    /// <param name="file">A file listed by <see cref="EnumerateFilesAsync"/>.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is <see langword="null"/>.</exception>
    public static IngestionItem CreateItem(SourceFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new IngestionItem(file.RelativePath, _ => Task.FromResult<Stream>(OpenRead(file.FullPath)))
        {
            Source = new Uri(file.FullPath),
            MediaType = file.MediaType,
            ContentHash = file.ContentHash,
            Metadata = NewMetadata(file),
        };
    }

    /// <summary>Reads a file with the reader registered for its media type.</summary>
    /// <param name="file">The file, as listed by <see cref="EnumerateFilesAsync"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The documents read (several for record formats such as JSONL and CSV).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The source was created without readers.</exception>
    /// <exception cref="NotSupportedException">No reader is registered for the file's media type.</exception>
    /// <exception cref="InvalidDataException">The file's content is not valid for its reader.</exception>
    public async IAsyncEnumerable<Document> ReadAsync(SourceFile file, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (_readers is null)
        {
            throw new InvalidOperationException("This FileSystemDocumentSource was created without a DocumentReaderRegistry; it can list files but not read them.");
        }

        IDocumentReader reader = _readers.GetReader(file.MediaType);
        var context = new DocumentReadContext(file.RelativePath)
        {
            Source = new Uri(file.FullPath),
            MediaType = file.MediaType,
            Metadata = NewMetadata(file),
        };

        FileStream stream = OpenRead(file.FullPath);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (Document document in reader.ReadAsync(stream, context, cancellationToken).ConfigureAwait(false))
            {
                yield return document;
            }
        }
    }

    /// <summary>Computes the SHA-256 of a stream's remaining content as 64 lower-case hexadecimal digits, in bounded memory.</summary>
    /// <param name="content">The content; read to its end and left open.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is <see langword="null"/>.</exception>
    public static async Task<string> ComputeContentHashAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        byte[] hash = await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }

    private List<(string RelativePath, string FullPath, string MediaType)> ListFiles()
    {
        var matcher = new Matcher(_ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        matcher.AddIncludePatterns(_include);
        matcher.AddExcludePatterns(_exclude);

        var files = new List<(string, string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in _roots)
        {
            if (File.Exists(root))
            {
                // A root that is a file: its id is its file name, whatever the globs say.
                string name = Path.GetFileName(root);
                if (MediaTypeOf(name, root) is string type && seen.Add(name))
                {
                    files.Add((name, root, type));
                }

                continue;
            }

            var directory = new DirectoryInfo(root);
            if (!directory.Exists)
            {
                throw new DirectoryNotFoundException($"The root folder or file '{root}' of the document source does not exist.");
            }

            PatternMatchingResult result = matcher.Execute(new DirectoryInfoWrapper(directory));
            foreach (FilePatternMatch match in result.Files)
            {
                string relativePath = match.Path.Replace('\\', '/');
                string fullPath = Path.GetFullPath(Path.Combine(root, relativePath));
                if (seen.Contains(relativePath) || MediaTypeOf(relativePath, fullPath) is not string mediaType)
                {
                    continue;
                }

                seen.Add(relativePath);
                files.Add((relativePath, fullPath, mediaType));
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return files;
    }

    /// <summary>The media type by extension; a file without one is plain text when its first bytes look like text, and skipped (and reported) otherwise.</summary>
    private string? MediaTypeOf(string relativePath, string fullPath)
    {
        string extension = Path.GetExtension(relativePath);
        if (extension.Length > 0)
        {
            return _mediaTypes.GetValueOrDefault(extension);
        }

        string? reason = TextSniffer.Sniff(fullPath);
        if (reason is null)
        {
            return DocumentMediaTypes.PlainText;
        }

        _skipped?.Invoke(relativePath, reason);
        return null;
    }

    private static Dictionary<string, object?> NewMetadata(SourceFile file) => new(StringComparer.Ordinal)
    {
        [PathMetadataKey] = file.RelativePath,
        [ContentHashMetadataKey] = file.ContentHash,
        [LengthMetadataKey] = file.Length,
        [LastWriteTimeMetadataKey] = file.LastWriteTimeUtc,
    };

    private static async Task<SourceFile?> DescribeAsync(string relativePath, string fullPath, string mediaType, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(fullPath);
            if (!info.Exists)
            {
                return null;
            }

            long length = info.Length;
            var lastWrite = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            FileStream stream = OpenRead(fullPath);
            await using (stream.ConfigureAwait(false))
            {
                string hash = await ComputeContentHashAsync(stream, cancellationToken).ConfigureAwait(false);
                return new SourceFile(relativePath, fullPath, mediaType, length, lastWrite, hash);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = HashBufferSize,
        });
}
