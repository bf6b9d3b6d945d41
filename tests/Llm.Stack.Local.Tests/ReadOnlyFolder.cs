using System.Diagnostics;

namespace Llm.Stack.Local.Tests;

/// <summary>
/// Makes a folder read-only for the duration of a test: a read-only bind mount over it when the tests run as root
/// (root ignores permission bits), otherwise its permission bits.
/// </summary>
internal sealed class ReadOnlyFolder : IDisposable
{
    private readonly string _path;
    private readonly bool _mounted;
    private readonly UnixFileMode _mode;

    private ReadOnlyFolder(string path, bool mounted, UnixFileMode mode)
    {
        _path = path;
        _mounted = mounted;
        _mode = mode;
    }

    public static ReadOnlyFolder Make(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The read-only folder test runs on Linux and macOS.");
        }

        if (Environment.UserName == "root" || Run("id", "-u").Trim() == "0")
        {
            Run("mount", "--bind", path, path);
            Run("mount", "-o", "remount,ro,bind", path);
            return new ReadOnlyFolder(path, mounted: true, default);
        }

        UnixFileMode mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return new ReadOnlyFolder(path, mounted: false, mode);
    }

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", _path);
        }
        else if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_path, _mode);
        }
    }

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }

        return output;
    }
}
