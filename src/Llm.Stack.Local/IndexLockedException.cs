namespace Llm.Stack.Local;

/// <summary>Another process is writing the index folder, and the wait for it to finish ran out (see <see cref="LocalIndex.WriterLockTimeout"/>).</summary>
public sealed class IndexLockedException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="IndexLockedException"/> class.</summary>
    /// <param name="dataDirectory">The index folder.</param>
    /// <param name="waited">How long the writer waited.</param>
    public IndexLockedException(string dataDirectory, TimeSpan waited)
        : base($"Another process is ingesting into '{dataDirectory}' (it holds '{Path.Combine(dataDirectory, LocalIndex.LockFileName)}'); waited {waited.TotalSeconds:0.#} s. Run again when it has finished.")
    {
        DataDirectory = dataDirectory;
    }

    /// <summary>Gets the index folder.</summary>
    public string DataDirectory { get; }
}
