using System.Runtime.InteropServices;

namespace Llm.Stack.Local;

/// <summary>Writes that survive a crash or a power loss: a file is flushed to disk before it is renamed into place, and the folder's entries are flushed after.</summary>
internal static partial class DurableFile
{
    /// <summary>Writes a file through a temporary file: written, flushed to disk, renamed over <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, IDurabilityObserver? observer, CancellationToken cancellationToken)
    {
        string temporary = path + ".tmp";
        try
        {
            var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            observer?.FileCreated(temporary);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            observer?.FileSynced(temporary);
            File.Move(temporary, path, overwrite: true);
            observer?.Moved(temporary, path);
        }
        catch
        {
            TryDelete(temporary, observer);
            throw;
        }
    }

    /// <summary>Flushes a folder's entries (renames, creations, deletions) to disk; a no-op where the platform needs none.</summary>
    public static void FlushDirectory(string directory, IDurabilityObserver? observer)
    {
        if (OperatingSystem.IsWindows())
        {
            observer?.DirectorySynced(directory);
            return;
        }

        int fd = NativeMethods.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"The folder '{directory}' cannot be opened to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL: the file system does not support syncing a folder (its entries are then written in order).
                if (errno != 22)
                {
                    throw new IOException($"The folder '{directory}' cannot be flushed to disk (errno {errno}).");
                }
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }

        observer?.DirectorySynced(directory);
    }

    public static void TryDelete(string path, IDurabilityObserver? observer)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
                observer?.Deleted(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next commit's clean-up.
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
