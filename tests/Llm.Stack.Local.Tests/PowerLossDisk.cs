namespace Llm.Stack.Local.Tests;

/// <summary>
/// A model of what a disk keeps through a power loss, fed by the index's <see cref="IDurabilityObserver"/>: a file's
/// content survives only as it was at its last flush to disk (<c>fsync</c>; never flushed: empty), and a folder's
/// entries (creations, renames, deletions) only as they were at the folder's last flush. Every unflushed write is
/// discarded. After each step it records the folder a power loss at that point would leave, so a test can restart
/// from each of them.
/// </summary>
/// <remarks>
/// This is the POSIX contract without the help real file systems add (ext4's ordered data, its rename heuristics), so it
/// loses at least what any of them loses. Writes made outside the observed calls (the lock file) are not modelled:
/// they are lost, as unflushed writes are.
/// </remarks>
internal sealed class PowerLossDisk : IDurabilityObserver
{
    private readonly string _directory;
    private readonly List<byte[]?> _synced = [];
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    private Dictionary<string, int> _durableNames;

    /// <summary>Starts from the files of <paramref name="directory"/>, all of them on disk.</summary>
    public PowerLossDisk(string directory)
    {
        _directory = Path.GetFullPath(directory);
        if (Directory.Exists(_directory))
        {
            foreach (string file in Directory.EnumerateFiles(_directory))
            {
                _names[Path.GetFileName(file)] = _synced.Count;
                _synced.Add(File.ReadAllBytes(file));
            }
        }

        _durableNames = new Dictionary<string, int>(_names, StringComparer.Ordinal);
        Record("start");
    }

    /// <summary>Gets the folders a power loss would leave, one per point where it differs from the one before: file name to content.</summary>
    public List<(string After, Dictionary<string, byte[]> Files)> Images { get; } = [];

    /// <summary>Gets the number of folder flushes seen.</summary>
    public int DirectorySyncs { get; private set; }

    /// <summary>Gets the number of file flushes seen.</summary>
    public int FileSyncs { get; private set; }

    public void FileCreated(string path)
    {
        // Created or truncated: a new file, empty on disk until flushed.
        _names[Name(path)] = _synced.Count;
        _synced.Add(null);
        Record("create " + Name(path));
    }

    public void FileSynced(string path)
    {
        string name = Name(path);
        if (!_names.TryGetValue(name, out int node))
        {
            _names[name] = node = _synced.Count;
            _synced.Add(null);
        }

        _synced[node] = File.ReadAllBytes(path);
        FileSyncs++;
        Record("fsync " + name);
    }

    public void Moved(string source, string destination)
    {
        _names[Name(destination)] = _names[Name(source)];
        _names.Remove(Name(source));
        Record($"rename {Name(source)} {Name(destination)}");
    }

    public void Deleted(string path)
    {
        _names.Remove(Name(path));
        Record("delete " + Name(path));
    }

    public void DirectorySynced(string directory)
    {
        Assert.Equal(_directory, Path.GetFullPath(directory));
        _durableNames = new Dictionary<string, int>(_names, StringComparer.Ordinal);
        DirectorySyncs++;
        Record("fsync folder");
    }

    /// <summary>Writes an image into an empty folder.</summary>
    public static void Write(Dictionary<string, byte[]> image, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach ((string name, byte[] content) in image)
        {
            File.WriteAllBytes(Path.Combine(folder, name), content);
        }
    }

    private string Name(string path)
    {
        string full = Path.GetFullPath(path);
        Assert.Equal(_directory, Path.GetDirectoryName(full));
        return Path.GetFileName(full);
    }

    private void Record(string after)
    {
        Dictionary<string, byte[]> image = _durableNames.ToDictionary(n => n.Key, n => _synced[n.Value] ?? [], StringComparer.Ordinal);
        if (Images.Count > 0 && Same(Images[^1].Files, image))
        {
            return;
        }

        Images.Add((after, image));
    }

    private static bool Same(Dictionary<string, byte[]> a, Dictionary<string, byte[]> b) =>
        a.Count == b.Count && a.All(f => b.TryGetValue(f.Key, out byte[]? other) && ReferenceEquals(f.Value, other));
}
