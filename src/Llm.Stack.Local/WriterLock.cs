using System.Diagnostics;

namespace Llm.Stack.Local;

/// <summary>
/// The inter-process lock that lets one process at a time write an index folder: an exclusive lock on
/// <c>write.lock</c> (an OS file lock, released by the system when the process dies, also by <c>kill -9</c>).
/// </summary>
internal sealed class WriterLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private readonly FileStream? _file;

    private WriterLock(FileStream? file) => _file = file;

    /// <summary>Gets a value indicating whether the folder is read-only: no lock could be taken, and nothing may be written.</summary>
    public bool ReadOnly => _file is null;

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/> for another writer; <paramref name="waiting"/> is told once when it waits.</summary>
    public static async Task<WriterLock> AcquireAsync(string directory, TimeSpan timeout, Action<string>? waiting, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, LocalIndex.LockFileName);
        var clock = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                Directory.CreateDirectory(directory);
                return new WriterLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
            }
            catch (UnauthorizedAccessException) when (IsReadOnly(directory, path))
            {
                return new WriterLock(null);
            }
            catch (IOException) when (IsReadOnly(directory, path))
            {
                return new WriterLock(null);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Held by another process.
                if (timeout != Timeout.InfiniteTimeSpan && clock.Elapsed >= timeout)
                {
                    throw new IndexLockedException(directory, clock.Elapsed);
                }

                if (!told)
                {
                    told = true;
                    waiting?.Invoke($"Another process is ingesting into '{directory}'; waiting for it to finish (Ctrl-C to stop).");
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Fails clearly when a write is needed in a read-only folder.</summary>
    public void ThrowIfReadOnly(string directory)
    {
        if (ReadOnly)
        {
            throw new IOException($"The index folder '{directory}' is read-only: the index cannot be changed. Make it writable, or choose another data folder.");
        }
    }

    public void Dispose() => _file?.Dispose();

    /// <summary>Whether the folder is read-only (a new file cannot be created in it); the lock file itself is not opened, since another writer may hold it.</summary>
    private static bool IsReadOnly(string directory, string path) => !CanCreateIn(directory) || (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0);

    private static bool CanCreateIn(string directory)
    {
        string probe = Path.Combine(directory, $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
