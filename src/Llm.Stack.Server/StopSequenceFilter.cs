namespace Llm.Stack.Server;

/// <summary>
/// Cuts a streamed answer at the first stop sequence, whatever the model did with them: text that could be the
/// start of a stop sequence is held back until the next piece shows whether it is one.
/// </summary>
/// <remarks>Not thread-safe: one instance per answer.</remarks>
internal sealed class StopSequenceFilter(IReadOnlyList<string> stops)
{
    private readonly int _hold = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    private string _pending = string.Empty;

    /// <summary>Gets a value indicating whether a stop sequence was found; no more text follows.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Takes the next piece and returns the text that may be sent now.</summary>
    public string Push(string piece)
    {
        if (Stopped)
        {
            return string.Empty;
        }

        string text = _pending + piece;
        int at = -1;
        foreach (string stop in stops)
        {
            int i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (at < 0 || i < at))
            {
                at = i;
            }
        }

        if (at >= 0)
        {
            Stopped = true;
            _pending = string.Empty;
            return text[..at];
        }

        int keep = Math.Min(_hold, text.Length);
        _pending = text[^keep..];
        return text[..^keep];
    }

    /// <summary>Returns the text held back at the end of the answer.</summary>
    public string Flush()
    {
        string rest = Stopped ? string.Empty : _pending;
        _pending = string.Empty;
        return rest;
    }
}
