namespace Llm.Stack.Local;

/// <summary>
/// Told what a commit does to the index folder, as it happens: tests replay it to build the folder a power loss at any
/// point would leave (only what was flushed to disk survives).
/// </summary>
internal interface IDurabilityObserver
{
    /// <summary>A file was created (empty) or truncated.</summary>
    void FileCreated(string path);

    /// <summary>A file was flushed to disk: what it holds now survives a power loss (under the name the folder's last flush gave it).</summary>
    void FileSynced(string path);

    /// <summary>A file was renamed, replacing any file of the destination name.</summary>
    void Moved(string source, string destination);

    /// <summary>A file was deleted.</summary>
    void Deleted(string path);

    /// <summary>A folder's entries (creations, renames, deletions) were flushed to disk.</summary>
    void DirectorySynced(string directory);
}
