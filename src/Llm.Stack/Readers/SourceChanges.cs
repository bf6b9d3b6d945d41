namespace Llm.Stack;

/// <summary>How the files of a <see cref="FileSystemDocumentSource"/> differ from what was ingested before.</summary>
/// <remarks>Instances are immutable and thread-safe. Every list is sorted by relative path (ordinal).</remarks>
public sealed class SourceChanges
{
    /// <summary>Initializes a new instance of the <see cref="SourceChanges"/> class.</summary>
    /// <param name="added">Files not known before.</param>
    /// <param name="modified">Known files whose content hash changed.</param>
    /// <param name="unchanged">Known files whose content hash is the same.</param>
    /// <param name="deleted">Relative paths known before and no longer found.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public SourceChanges(IReadOnlyList<SourceFile> added, IReadOnlyList<SourceFile> modified, IReadOnlyList<SourceFile> unchanged, IReadOnlyList<string> deleted)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(modified);
        ArgumentNullException.ThrowIfNull(unchanged);
        ArgumentNullException.ThrowIfNull(deleted);
        Added = added;
        Modified = modified;
        Unchanged = unchanged;
        Deleted = deleted;
    }

    /// <summary>Gets the files not known before.</summary>
    public IReadOnlyList<SourceFile> Added { get; }

    /// <summary>Gets the known files whose content hash changed.</summary>
    public IReadOnlyList<SourceFile> Modified { get; }

    /// <summary>Gets the known files whose content hash is the same; an incremental ingestion skips them.</summary>
    public IReadOnlyList<SourceFile> Unchanged { get; }

    /// <summary>Gets the relative paths known before and no longer found; their documents should be deleted.</summary>
    public IReadOnlyList<string> Deleted { get; }

    /// <summary>Gets a value indicating whether anything was added, modified or deleted.</summary>
    public bool HasChanges => Added.Count > 0 || Modified.Count > 0 || Deleted.Count > 0;
}
