namespace Llm.Stack;

/// <summary>Options of a <see cref="FileSystemDocumentSource"/>.</summary>
/// <remarks>Configure before the source is created; the source copies them and later changes have no effect on it.</remarks>
public sealed class FileSystemDocumentSourceOptions
{
    /// <summary>Gets the root folders (or single files) to search. At least one is required.</summary>
    /// <value>The default value is an empty list.</value>
    /// <remarks>
    /// Relative paths (the document ids) are relative to their root. When the same relative path exists under two
    /// roots, the file under the root listed first is used and the other is ignored.
    /// </remarks>
    public IList<string> Roots { get; } = [];

    /// <summary>Gets the glob patterns of the files to include, relative to each root (<c>**/*.md</c>, <c>docs/*.txt</c>).</summary>
    /// <value>The default value is an empty list, which means <c>**/*</c>: every file.</value>
    /// <remarks>Syntax of Microsoft.Extensions.FileSystemGlobbing: <c>*</c> within a segment, <c>**</c> across segments, <c>/</c> separators.</remarks>
    public IList<string> Include { get; } = [];

    /// <summary>Gets the glob patterns of the files to leave out, applied after <see cref="Include"/>.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> Exclude { get; } = [];

    /// <summary>Gets the mapping from file extensions (with the dot, case-insensitive) to media types.</summary>
    /// <value>The default value is a copy of <see cref="DocumentMediaTypes.ByExtension"/>.</value>
    /// <remarks>Files whose extension is not in this mapping are not listed.</remarks>
    public IDictionary<string, string> MediaTypesByExtension { get; } =
        new Dictionary<string, string>(DocumentMediaTypes.ByExtension, StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a value indicating whether glob patterns match paths case-insensitively.</summary>
    /// <value>The default value is <see langword="true"/>, so that <c>*.md</c> also matches <c>README.MD</c>.</value>
    public bool IgnoreCase { get; set; } = true;

    /// <summary>Gets or sets what is told about a file that is left out although the globs match it.</summary>
    /// <value>
    /// Called with the file's relative path and the reason, for a file without an extension whose first bytes are not
    /// text. <see langword="null"/> for nothing. The default value is <see langword="null"/>.
    /// </value>
    public Action<string, string>? FileSkipped { get; set; }
}
